//! [`ClusterMessage`], what an [`Adapter`](super::Adapter) carries from
//! one node to the others, and its wire format, the same for every broker.

use std::fmt;
use std::sync::Arc;

use opentelemetry::trace::SpanContext;
use serde_json::{Map, Value};

use crate::carrier::{JSON_KEY, JsonCarrier, TrustPolicy};

/// The largest message [`ClusterMessage::decode`] reads, in bytes: 2 MiB, twice
/// the default frame a client may send.
pub const MAX_MESSAGE_SIZE: usize = 2 * 1024 * 1024;
/// The longest node name, topic or event a message may carry, in bytes.
pub const MAX_NAME_LENGTH: usize = 1024;

const VERSION: u64 = 1;

/// Why [`ClusterMessage::decode`] refused bytes from the broker; counted in
/// `tracewire.pubsub.rejected` under `reason` = [`as_str`](Self::as_str).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// Over [`MAX_MESSAGE_SIZE`].
    Oversized,
    /// Not a JSON object.
    Malformed,
    /// A JSON object that is not a message of this version.
    WrongEnvelope,
    /// A message whose `trace_context` does not validate: delivered
    /// without it.
    TraceContext,
}

impl RejectReason {
    /// The `reason` attribute: `oversized`, `malformed`, `wrong_envelope`,
    /// `trace_context`.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::Oversized => "oversized",
            RejectReason::Malformed => "malformed",
            RejectReason::WrongEnvelope => "wrong_envelope",
            RejectReason::TraceContext => "trace_context",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for RejectReason {}

/// One message between nodes: who sent it, whom it is for, what it carries
/// and the W3C context of the span that sent it.
///
/// # Wire format
///
/// [`ClusterMessage::encode`] writes one JSON object, the same for every broker:
///
/// ```json
/// {"v":1,"node":"a","to":null,"kind":"broadcast","topic":"room:1","event":"new_msg",
///  "from":17,"trace_context":{"traceparent":"00-…"},"payload":{"body":"hi"}}
/// ```
///
/// `kind` is `"broadcast"` or `"node"` (a node message has no `event` nor
/// `from`); `to` names the one node a direct message is for.
/// [`ClusterMessage::decode`] refuses, with a [`RejectReason`], anything over
/// [`MAX_MESSAGE_SIZE`], anything not that shape, and names over their
/// limits. A `trace_context` that does not validate (a forged or oversized
/// `traceparent`) is dropped and counted, and the message is delivered
/// without it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterMessage {
    pub(crate) node: Arc<str>,
    pub(crate) to: Option<Arc<str>>,
    pub(crate) body: Body,
    /// The `trace_context` object ([`crate::carrier::inject_json`]).
    pub(crate) trace: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Body {
    Broadcast {
        topic: String,
        event: String,
        payload: Value,
        /// The sender's subscriber id, for `broadcast_from`.
        from: Option<u64>,
    },
    Node {
        topic: String,
        payload: Value,
    },
}

impl ClusterMessage {
    /// The node that sent it.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The one node it is for; `None` for every node.
    pub fn to(&self) -> Option<&str> {
        self.to.as_deref()
    }

    /// The topic: a channel topic for a broadcast, a node topic for a node
    /// message.
    pub fn topic(&self) -> &str {
        match &self.body {
            Body::Broadcast { topic, .. } | Body::Node { topic, .. } => topic,
        }
    }

    /// The wire format (see [above](ClusterMessage#wire-format)).
    pub fn encode(&self) -> Vec<u8> {
        let mut object = Map::new();
        object.insert("v".into(), VERSION.into());
        object.insert("node".into(), Value::from(&*self.node));
        object.insert(
            "to".into(),
            self.to.as_deref().map_or(Value::Null, Value::from),
        );
        let payload = match &self.body {
            Body::Broadcast {
                topic,
                event,
                payload,
                from,
            } => {
                object.insert("kind".into(), "broadcast".into());
                object.insert("topic".into(), topic.as_str().into());
                object.insert("event".into(), event.as_str().into());
                object.insert("from".into(), from.map_or(Value::Null, Value::from));
                payload
            }
            Body::Node { topic, payload } => {
                object.insert("kind".into(), "node".into());
                object.insert("topic".into(), topic.as_str().into());
                payload
            }
        };
        if !self.trace.is_empty() {
            object.insert(JSON_KEY.into(), Value::Object(self.trace.clone()));
        }
        object.insert("payload".into(), payload.clone());
        serde_json::to_vec(&Value::Object(object)).unwrap_or_default()
    }

    /// Reads a message from the wire; anything that is not one is refused
    /// with the reason.
    ///
    /// ```
    /// use tracewire::channel::cluster::{ClusterMessage, RejectReason};
    ///
    /// assert_eq!(ClusterMessage::decode(b"\xff garbage"), Err(RejectReason::Malformed));
    /// assert_eq!(ClusterMessage::decode(br#"{"v":1}"#), Err(RejectReason::WrongEnvelope));
    /// let bytes = br#"{"v":1,"node":"a","to":null,"kind":"node","topic":"t","payload":{}}"#;
    /// assert_eq!(ClusterMessage::decode(bytes).unwrap().node(), "a");
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<ClusterMessage, RejectReason> {
        if bytes.len() > MAX_MESSAGE_SIZE {
            return Err(RejectReason::Oversized);
        }
        let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(bytes) else {
            return Err(RejectReason::Malformed);
        };
        let wrong = RejectReason::WrongEnvelope;
        if object.get("v").and_then(Value::as_u64) != Some(VERSION) {
            return Err(wrong);
        }
        let node: Arc<str> = Arc::from(name(&object, "node").ok_or(wrong)?);
        let to = match object.get("to") {
            None | Some(Value::Null) => None,
            Some(_) => Some(Arc::from(name(&object, "to").ok_or(wrong)?)),
        };
        let topic = name(&object, "topic").ok_or(wrong)?.to_owned();
        let payload = object.remove("payload").ok_or(wrong)?;
        let body = match object.get("kind").and_then(Value::as_str) {
            Some("broadcast") => {
                let event = name(&object, "event").ok_or(wrong)?.to_owned();
                let from = match object.get("from") {
                    None | Some(Value::Null) => None,
                    Some(from) => Some(from.as_u64().ok_or(wrong)?),
                };
                Body::Broadcast {
                    topic,
                    event,
                    payload,
                    from,
                }
            }
            Some("node") => Body::Node { topic, payload },
            _ => return Err(wrong),
        };
        let trace = match object.remove(JSON_KEY) {
            None => Map::new(),
            Some(Value::Object(trace)) => trace,
            // Kept as is, so that `Inbound` counts it as a bad context.
            Some(other) => Map::from_iter([("traceparent".to_owned(), other)]),
        };
        Ok(ClusterMessage {
            node,
            to,
            body,
            trace,
        })
    }

    /// The context it carries, as untrusted input: the span to link to, or
    /// `Err` when it carries a context that does not validate.
    pub(crate) fn link(&self) -> Result<Option<SpanContext>, RejectReason> {
        if self.trace.is_empty() {
            return Ok(None);
        }
        match TrustPolicy::Link.apply(&JsonCarrier(&self.trace)).link() {
            Some(link) => Ok(Some(link.clone())),
            None => Err(RejectReason::TraceContext),
        }
    }
}

/// A non-empty string field no longer than [`MAX_NAME_LENGTH`].
fn name<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= MAX_NAME_LENGTH)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn broadcast() -> ClusterMessage {
        let mut trace = Map::new();
        trace.insert(
            "traceparent".into(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        );
        ClusterMessage {
            node: Arc::from("a"),
            to: None,
            body: Body::Broadcast {
                topic: "room:1".into(),
                event: "new_msg".into(),
                payload: json!({"body": "hi"}),
                from: Some(17),
            },
            trace,
        }
    }

    #[test]
    fn a_cluster_message_reads_back_as_written_and_its_context_is_a_link() {
        let message = broadcast();
        let decoded = ClusterMessage::decode(&message.encode()).unwrap();
        assert_eq!(decoded, message);
        let link = decoded.link().unwrap().unwrap();
        assert_eq!(
            link.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert!(link.is_remote());

        let direct = ClusterMessage {
            to: Some(Arc::from("b")),
            body: Body::Node {
                topic: "phx:presence".into(),
                payload: json!([1, 2]),
            },
            trace: Map::new(),
            ..message
        };
        let decoded = ClusterMessage::decode(&direct.encode()).unwrap();
        assert_eq!(decoded, direct);
        assert_eq!((decoded.to(), decoded.topic()), (Some("b"), "phx:presence"));
        assert_eq!(decoded.link(), Ok(None));
    }

    #[test]
    fn what_is_not_a_cluster_message_is_refused_with_its_reason() {
        let too_big = vec![b' '; MAX_MESSAGE_SIZE + 1];
        assert_eq!(
            ClusterMessage::decode(&too_big),
            Err(RejectReason::Oversized)
        );
        for malformed in [&b"\xff"[..], b"", b"[]", b"\"text\"", b"{"] {
            assert_eq!(
                ClusterMessage::decode(malformed),
                Err(RejectReason::Malformed)
            );
        }
        let mut good = serde_json::from_slice::<Value>(&broadcast().encode()).unwrap();
        let long = "x".repeat(MAX_NAME_LENGTH + 1);
        for (key, bad) in [
            ("v", json!(2)),
            ("node", json!("")),
            ("node", json!(long)),
            ("to", json!(5)),
            ("kind", json!("other")),
            ("topic", json!(null)),
            ("event", json!(7)),
            ("from", json!(-1)),
        ] {
            let saved = good[key].clone();
            good[key] = bad;
            let bytes = serde_json::to_vec(&good).unwrap();
            assert_eq!(
                ClusterMessage::decode(&bytes),
                Err(RejectReason::WrongEnvelope),
                "{key}"
            );
            good[key] = saved;
        }
        good.as_object_mut().unwrap().remove("payload");
        let bytes = serde_json::to_vec(&good).unwrap();
        assert_eq!(
            ClusterMessage::decode(&bytes),
            Err(RejectReason::WrongEnvelope)
        );
    }

    #[test]
    fn a_context_that_does_not_validate_is_refused_not_repaired() {
        for trace in [
            json!({"traceparent": "00-zzzz-forged-01"}),
            json!({"traceparent": format!("00-{}-00f067aa0ba902b7-01", "4".repeat(600))}),
            json!({"traceparent": 42}),
            json!(42),
        ] {
            let mut value = serde_json::from_slice::<Value>(&broadcast().encode()).unwrap();
            value[JSON_KEY] = trace;
            let message = ClusterMessage::decode(&serde_json::to_vec(&value).unwrap()).unwrap();
            assert_eq!(message.link(), Err(RejectReason::TraceContext));
        }
    }
}
