//! The seam between a node's [`PubSub`](super::PubSub) and the other nodes
//! of a cluster: the [`Adapter`] trait, the [`Envelope`] it carries, and the
//! [`Inbound`] handle through which it hands other nodes' envelopes back.
//!
//! As in `phoenix_pubsub`, the split is:
//!
//! - [`PubSub`](super::PubSub) owns this node's topics and subscribers, and
//!   delivers to them (local delivery never waits for the network);
//! - an [`Adapter`] moves [`Envelope`]s between nodes: [`InProcess`]
//!   (the default, nodes in one process, like Phoenix's PG2 on one BEAM),
//!   and, with the `redis` feature, `RedisAdapter` (one Redis channel per
//!   namespace, like `phoenix_pubsub_redis`). An adapter sends each
//!   envelope to every node, in the order it was given them; each node
//!   drops its own envelopes and those addressed to another node
//!   ([`Inbound::receive`] does), so a broker that echoes a node's messages
//!   back is fine.
//!
//! Envelopes are of two kinds:
//!
//! - a *broadcast*: topic, event, JSON payload, the sender's subscriber id
//!   (for `broadcast_from`) and the `channel.broadcast` span's W3C context;
//!   the receiving node delivers it to its subscribers of the topic, whose
//!   `handle_out` spans *link* to that context (context from the broker is
//!   untrusted, [`TrustPolicy::Link`](crate::carrier::TrustPolicy::Link));
//! - a *node message*, for code that coordinates nodes rather than clients
//!   (Presence heartbeats and deltas, routing a LongPoll request to the node
//!   holding its session): a topic of its own namespace and a JSON payload,
//!   sent to every other node ([`PubSub::node_broadcast`](super::PubSub::node_broadcast))
//!   or to one ([`PubSub::node_send`](super::PubSub::node_send)), received
//!   through [`PubSub::node_subscribe`](super::PubSub::node_subscribe) as
//!   [`NodeMessage`](super::NodeMessage)s, never by clients.
//!
//! # Guarantees
//!
//! Across nodes delivery is *at most once*, as in Phoenix: an envelope the
//! broker never took (it was down, the adapter's queue was full) is counted
//! in `tracewire.pubsub.unpublished` and lost. A node receives each
//! envelope it was sent once, and envelopes from one node in the order that
//! node published them: per publisher, per topic order is kept.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use opentelemetry::trace::SpanContext;
use serde_json::{Map, Value};

use crate::carrier::{JSON_KEY, JsonCarrier, TrustPolicy};

/// The largest envelope [`Envelope::decode`] reads, in bytes: 2 MiB, twice
/// the default frame a client may send.
pub const MAX_ENVELOPE_SIZE: usize = 2 * 1024 * 1024;
/// The longest node name, topic or event an envelope may carry, in bytes.
pub const MAX_ENVELOPE_NAME: usize = 1024;

const VERSION: u64 = 1;

/// Moves [`Envelope`]s between the nodes of a cluster.
///
/// [`PubSub`](super::PubSub) calls [`start`](Self::start) once, when it is
/// built on the adapter, then [`publish`](Self::publish) for each envelope
/// other nodes should see. An adapter implements nothing else: filtering,
/// decoding, tracing and delivery on the receiving side are
/// [`Inbound`]'s.
///
/// # Examples
///
/// Two nodes in one process, each a [`Server`](super::Server) of its own:
///
/// ```
/// use tracewire::channel::{InProcess, PubSub};
///
/// let a = InProcess::new("a");
/// let b = a.node("b"); // the same cluster
/// let node_a = PubSub::new(a);
/// let node_b = PubSub::new(b);
/// assert_eq!(node_a.node_name(), "a");
/// assert_eq!(node_b.node_name(), "b");
/// ```
pub trait Adapter: Send + Sync + 'static {
    /// This node's name, unique in the cluster.
    fn node_name(&self) -> &str;

    /// Called once, before any [`publish`](Self::publish): where this
    /// node's envelopes from other nodes go. May spawn tasks (a tokio
    /// runtime is running).
    fn start(&self, inbound: Inbound);

    /// Sends `envelope` to the other nodes ([`Envelope::to`] names the one
    /// it is for, if any).
    ///
    /// Must not wait: a broadcast is never held up by the network. Must
    /// keep the order of calls (one ordered stream per node). An envelope
    /// that cannot be taken is refused with the reason; the caller counts
    /// it.
    fn publish(&self, envelope: &Envelope) -> Result<(), PublishError>;

    /// Whether any other node may be listening; when not, broadcasts skip
    /// building envelopes. `true` unless an adapter knows better.
    fn has_peers(&self) -> bool {
        true
    }
}

/// Why an [`Adapter`] did not take an envelope; counted in
/// `tracewire.pubsub.unpublished` under `reason` = [`as_str`](Self::as_str).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// The adapter's queue of envelopes waiting for the broker is full.
    QueueFull,
    /// The broker is unreachable.
    Disconnected,
    /// The encoded envelope is over [`MAX_ENVELOPE_SIZE`]: no node would
    /// read it.
    TooLarge,
    /// The broker refused it.
    Refused,
}

impl PublishError {
    /// The `reason` attribute: `queue_full`, `disconnected`, `too_large`,
    /// `refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            PublishError::QueueFull => "queue_full",
            PublishError::Disconnected => "disconnected",
            PublishError::TooLarge => "too_large",
            PublishError::Refused => "refused",
        }
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            PublishError::QueueFull => "the adapter's publish queue is full",
            PublishError::Disconnected => "the broker is unreachable",
            PublishError::TooLarge => "the envelope is over the size limit",
            PublishError::Refused => "the broker refused the envelope",
        };
        f.write_str(text)
    }
}

impl std::error::Error for PublishError {}

/// Why [`Envelope::decode`] refused bytes from the broker; counted in
/// `tracewire.pubsub.rejected` under `reason` = [`as_str`](Self::as_str).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// Over [`MAX_ENVELOPE_SIZE`].
    Oversized,
    /// Not a JSON object.
    Malformed,
    /// A JSON object that is not an envelope of this version.
    WrongEnvelope,
    /// An envelope whose `trace_context` does not validate: delivered
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
/// [`Envelope::encode`] writes one JSON object, the same for every broker:
///
/// ```json
/// {"v":1,"node":"a","to":null,"kind":"broadcast","topic":"room:1","event":"new_msg",
///  "from":17,"trace_context":{"traceparent":"00-…"},"payload":{"body":"hi"}}
/// ```
///
/// `kind` is `"broadcast"` or `"node"` (a node message has no `event` nor
/// `from`); `to` names the one node a direct message is for.
/// [`Envelope::decode`] refuses, with a [`RejectReason`], anything over
/// [`MAX_ENVELOPE_SIZE`], anything not that shape, and names over their
/// limits. A `trace_context` that does not validate (a forged or oversized
/// `traceparent`) is dropped and counted, and the message is delivered
/// without it.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
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

impl Envelope {
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

    /// The wire format (see [above](Envelope#wire-format)).
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

    /// Reads an envelope from the wire; anything that is not one is refused
    /// with the reason.
    ///
    /// ```
    /// use tracewire::channel::{Envelope, RejectReason};
    ///
    /// assert_eq!(Envelope::decode(b"\xff garbage"), Err(RejectReason::Malformed));
    /// assert_eq!(Envelope::decode(br#"{"v":1}"#), Err(RejectReason::WrongEnvelope));
    /// let bytes = br#"{"v":1,"node":"a","to":null,"kind":"node","topic":"t","payload":{}}"#;
    /// assert_eq!(Envelope::decode(bytes).unwrap().node(), "a");
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<Envelope, RejectReason> {
        if bytes.len() > MAX_ENVELOPE_SIZE {
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
        Ok(Envelope {
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

/// A non-empty string field no longer than [`MAX_ENVELOPE_NAME`].
fn name<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= MAX_ENVELOPE_NAME)
}

/// Where an [`Adapter`] hands the envelopes it receives: the node's
/// [`PubSub`](super::PubSub). Cheap to clone; does not keep the PubSub
/// alive.
#[derive(Clone)]
pub struct Inbound {
    pub(crate) pubsub: Weak<super::pubsub::Shared>,
}

impl fmt::Debug for Inbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inbound")
            .field("alive", &self.is_alive())
            .finish()
    }
}

impl Inbound {
    /// Delivers an envelope from another node: a broadcast to this node's
    /// subscribers of its topic, a node message to its node subscribers.
    /// An envelope from this node itself, or addressed to another node, is
    /// dropped. Never waits.
    pub fn receive(&self, envelope: Envelope) {
        if let Some(pubsub) = self.pubsub.upgrade() {
            pubsub.receive(envelope);
        }
    }

    /// Decodes bytes from the broker and [`receive`](Self::receive)s them;
    /// what is not an envelope is dropped and counted in
    /// `tracewire.pubsub.rejected`.
    pub fn receive_bytes(&self, bytes: &[u8]) {
        match Envelope::decode(bytes) {
            Ok(envelope) => self.receive(envelope),
            Err(reason) => crate::metrics::pubsub_rejected(reason.as_str()),
        }
    }

    /// Whether the node's PubSub still exists; an adapter may stop once it
    /// does not.
    pub fn is_alive(&self) -> bool {
        self.pubsub.strong_count() > 0
    }
}

/// `node-{pid}-{n}`: unique among the nodes of one machine, which is what a
/// default name needs (a real cluster names its nodes).
pub(crate) fn unique_node_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "node-{}-{:x}-{}",
        std::process::id(),
        started & 0xff_ffff,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn broadcast() -> Envelope {
        let mut trace = Map::new();
        trace.insert(
            "traceparent".into(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        );
        Envelope {
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
    fn an_envelope_reads_back_as_written_and_its_context_is_a_link() {
        let envelope = broadcast();
        let decoded = Envelope::decode(&envelope.encode()).unwrap();
        assert_eq!(decoded, envelope);
        let link = decoded.link().unwrap().unwrap();
        assert_eq!(
            link.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert!(link.is_remote());

        let direct = Envelope {
            to: Some(Arc::from("b")),
            body: Body::Node {
                topic: "phx:presence".into(),
                payload: json!([1, 2]),
            },
            trace: Map::new(),
            ..envelope
        };
        let decoded = Envelope::decode(&direct.encode()).unwrap();
        assert_eq!(decoded, direct);
        assert_eq!((decoded.to(), decoded.topic()), (Some("b"), "phx:presence"));
        assert_eq!(decoded.link(), Ok(None));
    }

    #[test]
    fn what_is_not_an_envelope_is_refused_with_its_reason() {
        let too_big = vec![b' '; MAX_ENVELOPE_SIZE + 1];
        assert_eq!(Envelope::decode(&too_big), Err(RejectReason::Oversized));
        for malformed in [&b"\xff"[..], b"", b"[]", b"\"text\"", b"{"] {
            assert_eq!(Envelope::decode(malformed), Err(RejectReason::Malformed));
        }
        let mut good = serde_json::from_slice::<Value>(&broadcast().encode()).unwrap();
        let long = "x".repeat(MAX_ENVELOPE_NAME + 1);
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
                Envelope::decode(&bytes),
                Err(RejectReason::WrongEnvelope),
                "{key}"
            );
            good[key] = saved;
        }
        good.as_object_mut().unwrap().remove("payload");
        let bytes = serde_json::to_vec(&good).unwrap();
        assert_eq!(Envelope::decode(&bytes), Err(RejectReason::WrongEnvelope));
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
            let envelope = Envelope::decode(&serde_json::to_vec(&value).unwrap()).unwrap();
            assert_eq!(envelope.link(), Err(RejectReason::TraceContext));
        }
    }
}
