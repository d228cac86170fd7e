//! The Phoenix wire protocol V2 (`vsn=2.0.0`), JSON text frames only:
//! decoding what a client sends and encoding what the server sends.
//!
//! Every message is a JSON array `[join_ref, ref, topic, event, payload]`.
//! `join_ref` and `ref` are opaque to the server: they are echoed back
//! exactly as they came (a string, a number or `null`), so this module keeps
//! them as their JSON text ([`RawRef`]) and splices that text into outgoing
//! frames. Outgoing frames are built by concatenation, so a broadcast's
//! payload is serialised once and shared by every recipient.
//!
//! Decoding never panics. What cannot be decoded is a [`Malformed`] that
//! says why and, when the frame still named a `ref` and a `topic`, where to
//! send the error reply.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::Value;

/// The topic of socket-level messages (heartbeats).
pub(crate) const PHOENIX_TOPIC: &str = "phoenix";
/// The client's keep-alive, on [`PHOENIX_TOPIC`].
pub(crate) const HEARTBEAT: &str = "heartbeat";
/// Joins a topic; the payload holds the join params.
pub(crate) const PHX_JOIN: &str = "phx_join";
/// Leaves a topic.
pub(crate) const PHX_LEAVE: &str = "phx_leave";
/// The answer to a client message that carried a `ref`.
pub(crate) const PHX_REPLY: &str = "phx_reply";
/// The server closed a channel (after a leave or a duplicate join).
pub(crate) const PHX_CLOSE: &str = "phx_close";
/// A channel crashed; also, on [`PHOENIX_TOPIC`], a frame that could not be
/// addressed to any topic was rejected.
pub(crate) const PHX_ERROR: &str = "phx_error";

/// The reason Phoenix gives for a message to a topic with no channel.
pub(crate) const UNMATCHED_TOPIC: &str = "unmatched topic";
/// The reason given for a frame that is not a V2 message.
pub(crate) const MALFORMED: &str = "malformed message";
/// The reason given for a V2 binary push: payloads are JSON here.
pub(crate) const BINARY_UNSUPPORTED: &str = "binary payloads are not supported";

/// A `join_ref` or `ref` as the JSON text it arrived as (`"7"`, `7` or
/// `null`), echoed verbatim in replies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawRef(Arc<str>);

impl RawRef {
    pub(crate) fn null() -> Self {
        RawRef(Arc::from("null"))
    }

    /// A string ref, as a V2 binary frame carries it.
    fn string(s: &str) -> Self {
        RawRef(Arc::from(json_string(s)))
    }

    /// Accepts a string, a number or `null`; anything else is no ref.
    fn from_value(value: &Value) -> Option<Self> {
        match value {
            Value::Null => Some(RawRef::null()),
            Value::String(s) => Some(RawRef::string(s)),
            Value::Number(n) => Some(RawRef(Arc::from(n.to_string()))),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        &*self.0 == "null"
    }

    pub(crate) fn as_json(&self) -> &str {
        &self.0
    }
}

/// A decoded client message.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) join_ref: RawRef,
    pub(crate) msg_ref: RawRef,
    pub(crate) topic: String,
    pub(crate) event: String,
    pub(crate) payload: Value,
}

/// Where an error reply to an undecodable message can go.
#[derive(Debug, PartialEq)]
pub(crate) struct Address {
    pub(crate) join_ref: RawRef,
    pub(crate) msg_ref: RawRef,
    pub(crate) topic: String,
}

/// A frame that is not a V2 message.
#[derive(Debug, PartialEq)]
pub(crate) struct Malformed {
    /// `"malformed message"` or [`BINARY_UNSUPPORTED`].
    pub(crate) reason: &'static str,
    /// What exactly was wrong, for the client's developer.
    pub(crate) details: String,
    /// Set when the frame named a usable `ref` and `topic`.
    pub(crate) address: Option<Address>,
}

impl Malformed {
    fn new(details: impl Into<String>, address: Option<Address>) -> Self {
        Malformed {
            reason: MALFORMED,
            details: details.into(),
            address,
        }
    }

    /// The error response: `{"reason": .., "details": ..}`.
    pub(crate) fn response(&self) -> Value {
        serde_json::json!({ "reason": self.reason, "details": self.details })
    }
}

/// Decodes a text frame.
pub(crate) fn decode_text(text: &str) -> Result<Incoming, Malformed> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Malformed::new(
            format!("not JSON ({e}); expected [join_ref, ref, topic, event, payload]"),
            None,
        )
    })?;
    let Value::Array(mut items) = value else {
        return Err(Malformed::new(
            "expected a JSON array [join_ref, ref, topic, event, payload]",
            None,
        ));
    };
    let address = address_of(&items);
    if items.len() != 5 {
        return Err(Malformed::new(
            format!(
                "expected 5 elements [join_ref, ref, topic, event, payload], got {}",
                items.len()
            ),
            address,
        ));
    }
    let payload = items.pop().unwrap_or(Value::Null);
    let event = items.pop().unwrap_or(Value::Null);
    let topic = items.pop().unwrap_or(Value::Null);
    let Value::String(topic) = topic else {
        return Err(Malformed::new("topic must be a string", None));
    };
    let Some(msg_ref) = RawRef::from_value(&items[1]) else {
        return Err(Malformed::new(
            "ref must be a string, a number or null",
            None,
        ));
    };
    let Some(join_ref) = RawRef::from_value(&items[0]) else {
        return Err(Malformed::new(
            "join_ref must be a string, a number or null",
            address,
        ));
    };
    let Value::String(event) = event else {
        return Err(Malformed::new("event must be a string", address));
    };
    Ok(Incoming {
        join_ref,
        msg_ref,
        topic,
        event,
        payload,
    })
}

/// The reply address of a malformed array: a non-null `ref` and a string
/// `topic` are enough; a bad `join_ref` is replaced by `null`.
fn address_of(items: &[Value]) -> Option<Address> {
    let msg_ref = items.get(1).and_then(RawRef::from_value)?;
    if msg_ref.is_null() {
        return None;
    }
    let topic = items.get(2)?.as_str()?.to_owned();
    let join_ref = items
        .first()
        .and_then(RawRef::from_value)
        .unwrap_or_else(RawRef::null);
    Some(Address {
        join_ref,
        msg_ref,
        topic,
    })
}

/// What a binary frame gets: the V2 binary push header
/// (`<<0, join_ref_size, ref_size, topic_size, event_size, join_ref, ref,
/// topic, event, data>>`, which the `phoenix` client sends for `ArrayBuffer`
/// payloads) is read only to address the error reply; its data is not.
pub(crate) fn reject_binary(frame: &[u8]) -> Malformed {
    let address = binary_push_address(frame);
    match address {
        Some(_) => Malformed {
            reason: BINARY_UNSUPPORTED,
            details: "this server speaks JSON text frames only".to_owned(),
            address,
        },
        None => Malformed::new(
            "binary frame; this server speaks JSON text frames only",
            None,
        ),
    }
}

fn binary_push_address(frame: &[u8]) -> Option<Address> {
    const PUSH: u8 = 0;
    let (&[kind, join_ref_len, ref_len, topic_len, _event_len], rest) =
        frame.split_first_chunk()?;
    if kind != PUSH {
        return None;
    }
    let (join_ref, rest) = split_str(rest, join_ref_len)?;
    let (msg_ref, rest) = split_str(rest, ref_len)?;
    let (topic, _) = split_str(rest, topic_len)?;
    Some(Address {
        join_ref: RawRef::string(join_ref),
        msg_ref: RawRef::string(msg_ref),
        topic: topic.to_owned(),
    })
}

fn split_str(bytes: &[u8], len: u8) -> Option<(&str, &[u8])> {
    let (head, rest) = bytes.split_at_checked(usize::from(len))?;
    Some((std::str::from_utf8(head).ok()?, rest))
}

/// A JSON string literal for `s`.
pub(crate) fn json_string(s: &str) -> String {
    // Serialising a `str` cannot fail.
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

/// `[join_ref, ref, topic, event, payload]` from already-encoded parts.
pub(crate) fn frame(
    join_ref: &str,
    msg_ref: &str,
    topic_json: &str,
    event: &str,
    payload_json: &str,
) -> String {
    let mut out = String::with_capacity(
        join_ref.len() + msg_ref.len() + topic_json.len() + event.len() + payload_json.len() + 8,
    );
    out.push('[');
    out.push_str(join_ref);
    out.push(',');
    out.push_str(msg_ref);
    out.push(',');
    out.push_str(topic_json);
    out.push(',');
    out.push_str(&json_string(event));
    out.push(',');
    out.push_str(payload_json);
    out.push(']');
    out
}

/// The tail `,null,"topic","event",payload]` shared by every recipient of
/// one broadcast; a recipient's frame is `[` + its join_ref + this.
pub(crate) fn broadcast_tail(topic_json: &str, event: &str, payload_json: &str) -> String {
    let mut out = String::with_capacity(topic_json.len() + event.len() + payload_json.len() + 12);
    // Writing to a `String` cannot fail.
    let _ = write!(
        out,
        ",null,{topic_json},{},{payload_json}]",
        json_string(event)
    );
    out
}

/// One recipient's broadcast frame.
pub(crate) fn broadcast_frame(join_ref: &RawRef, tail: &str) -> String {
    let join_ref = join_ref.as_json();
    let mut out = String::with_capacity(1 + join_ref.len() + tail.len());
    out.push('[');
    out.push_str(join_ref);
    out.push_str(tail);
    out
}

/// `phx_reply` with `{"status": status, "response": response}`.
pub(crate) fn reply(
    join_ref: &RawRef,
    msg_ref: &RawRef,
    topic_json: &str,
    status: &str,
    response: &Value,
) -> String {
    let body = serde_json::json!({ "status": status, "response": response });
    frame(
        join_ref.as_json(),
        msg_ref.as_json(),
        topic_json,
        PHX_REPLY,
        &body.to_string(),
    )
}

/// `phx_close` or `phx_error` for a channel: `[join_ref, join_ref, topic,
/// event, {}]`, as Phoenix sends them.
pub(crate) fn channel_notice(join_ref: &RawRef, topic_json: &str, event: &str) -> String {
    frame(
        join_ref.as_json(),
        join_ref.as_json(),
        topic_json,
        event,
        "{}",
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn decodes_a_v2_message() {
        let msg = decode_text(r#"["1","2","room:lobby","phx_join",{"token":"t"}]"#).unwrap();
        assert_eq!(msg.join_ref.as_json(), r#""1""#);
        assert_eq!(msg.msg_ref.as_json(), r#""2""#);
        assert_eq!(msg.topic, "room:lobby");
        assert_eq!(msg.event, "phx_join");
        assert_eq!(msg.payload, json!({"token": "t"}));
    }

    #[test]
    fn refs_are_echoed_as_they_came() {
        let msg = decode_text(r#"[null,7,"phoenix","heartbeat",{}]"#).unwrap();
        assert!(msg.join_ref.is_null());
        let out = reply(&msg.join_ref, &msg.msg_ref, "\"phoenix\"", "ok", &json!({}));
        assert_eq!(
            out,
            r#"[null,7,"phoenix","phx_reply",{"response":{},"status":"ok"}]"#
        );
    }

    #[test]
    fn malformed_frames_are_addressed_when_possible() {
        let bad = decode_text(r#"["1","2","room:a","x"]"#).unwrap_err();
        assert_eq!(bad.address.unwrap().topic, "room:a");

        let bad = decode_text(r#"["1","2","room:a",5,{}]"#).unwrap_err();
        assert!(bad.details.contains("event"));
        assert!(bad.address.is_some());

        for unaddressable in [
            "{",
            "{}",
            "[1,2,3]",
            r#"["1",{},"room:a","x",{}]"#,
            r#"["1","2",3,"x",{}]"#,
        ] {
            let bad = decode_text(unaddressable).unwrap_err();
            assert!(bad.address.is_none(), "{unaddressable}: {bad:?}");
        }
    }

    #[test]
    fn binary_push_headers_address_the_rejection() {
        let mut frame = vec![0u8, 1, 1, 6, 3];
        frame.extend_from_slice(b"12room:aevt");
        frame.extend_from_slice(&[0xff, 0x00]);
        let bad = reject_binary(&frame);
        assert_eq!(bad.reason, BINARY_UNSUPPORTED);
        let address = bad.address.unwrap();
        assert_eq!(address.topic, "room:a");
        assert_eq!(address.msg_ref.as_json(), r#""2""#);

        assert!(reject_binary(&[0, 9, 9, 9, 9]).address.is_none());
        assert!(reject_binary(b"").address.is_none());
    }

    #[test]
    fn broadcast_frames_share_one_tail() {
        let tail = broadcast_tail(&json_string("room:a"), "new", r#"{"x":1}"#);
        let frame = broadcast_frame(&RawRef::string("3"), &tail);
        let parsed: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(parsed, json!(["3", null, "room:a", "new", {"x": 1}]));
    }
}
