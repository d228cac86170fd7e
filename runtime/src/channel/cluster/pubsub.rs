//! Topic subscriptions and broadcasts, with their spans.
//!
//! [`PubSub`] maps each topic to the channels joined to it. A broadcast is
//! traced as one `channel.broadcast` span (PRODUCER), a child of whatever span
//! is current (typically the handler that broadcast), and then delivered to
//! every subscriber without waiting on any of them:
//!
//! - an event the subscriber's channel does not intercept goes straight to
//!   that connection's outbound queue, already encoded (the payload is
//!   serialised once per broadcast); the connection's writer then sends it
//!   inside a `{name}.handle_out {event}` CONSUMER span linked to the
//!   broadcast span;
//! - an intercepted event goes to the channel's own task, which runs
//!   [`Channel::handle_out`](crate::channel::Channel::handle_out) under a context
//!   asking the next handler span to link to the broadcast span.
//!
//! The broadcast span's context travels beside the payload in the
//! [`Broadcast`] (the PubSub message's metadata), never inside the JSON a
//! client receives.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock, Weak};

use opentelemetry::trace::{SpanContext, SpanKind, TraceContextExt as _};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

use super::adapter::{Adapter, Inbound, ReceivingNode};
use super::cluster_message::{Body, ClusterMessage};
use super::in_process::InProcess;
use super::node_message::{NODE_QUEUE, NodeMessage, NodeSubscription};
use crate::channel::wire::inbox::{Broadcast, ChannelMsg};
use crate::channel::wire::outbound::Outbound;
use crate::channel::wire::protocol::{self, RawRef};
use crate::outcome::Outcome;
use crate::span::{SpanGuard, SpanMeta};
use crate::static_name::concat;

/// The span around each broadcast.
const BROADCAST_SPAN: SpanMeta = SpanMeta {
    name: "channel.broadcast",
    kind: SpanKind::Producer,
    sample: None,
};

/// The topic a broadcast goes to (OpenTelemetry messaging conventions).
const DESTINATION: &str = "messaging.destination.name";
/// The broadcast's event name.
const EVENT: &str = "broadcast.event";
/// Bytes of the broadcast's payload, serialised as JSON.
const PAYLOAD_SIZE: &str = "broadcast.payload_size";
/// How many channels the broadcast was handed to.
const RECIPIENTS: &str = "broadcast.recipients";

/// The topics and their subscribers: cheap to clone, shared by a
/// [`Server`](crate::channel::Server) and every socket it serves.
///
/// [`Socket::broadcast`](crate::channel::Socket::broadcast) broadcasts to the
/// socket's own topic; use this to broadcast to any topic, from a handler
/// (fan-out to several rooms) or from outside any channel (Phoenix's
/// `Endpoint.broadcast`).
///
/// Broadcasts never wait: each subscriber's connection gets the message at
/// once, or, when its outbound buffer is full, is closed as too slow (see the
/// [module documentation](crate::channel#backpressure)).
///
/// # Examples
///
/// ```
/// use tracewire::channel::{Server, SocketHandler, Assigns, ConnectError, ConnectInfo, ConnectParams};
///
/// struct Anyone;
/// impl SocketHandler for Anyone {
///     async fn connect(&self, _: &ConnectParams, _: &ConnectInfo) -> Result<Assigns, ConnectError> {
///         Ok(Assigns::new())
///     }
/// }
///
/// let server = Server::new(Anyone);
/// let pubsub = server.pubsub();
/// // Nobody has joined yet: the broadcast is traced and reaches no one.
/// pubsub.broadcast("room:lobby", "announcement", serde_json::json!({"text": "hi"})).unwrap();
/// assert_eq!(pubsub.subscriber_count("room:lobby"), 0);
/// ```
#[derive(Clone)]
pub struct PubSub {
    shared: Arc<Shared>,
}

/// A node's topics, node topics and adapter, shared by every clone of its
/// [`PubSub`] (an [`Inbound`] holds it weakly).
pub(crate) struct Shared {
    node: Arc<str>,
    topics: RwLock<HashMap<Arc<str>, Arc<Topic>>>,
    /// Node-message subscriptions, per node topic.
    node_topics: RwLock<HashMap<String, Vec<mpsc::Sender<NodeMessage>>>>,
    adapter: Box<dyn Adapter>,
}

impl Default for PubSub {
    /// A cluster of one node ([`InProcess::single`]).
    fn default() -> Self {
        PubSub::new(InProcess::single())
    }
}

impl fmt::Debug for PubSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let topics = self.shared.topics.read().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("PubSub")
            .field("node", &self.shared.node)
            .field("topics", &topics.len())
            .finish()
    }
}

/// One topic's subscribers. Its own lock, so broadcasts to different topics
/// never contend, and so that an unsubscribe waits for a delivery in
/// progress: once a channel has unsubscribed, no broadcast reaches it.
#[derive(Default)]
struct Topic {
    subscribers: RwLock<Vec<Subscriber>>,
}

/// A joined channel, as broadcasts see it.
pub(crate) struct Subscriber {
    /// Unique among every channel the process ever joined.
    pub(crate) id: u64,
    pub(crate) join_ref: RawRef,
    /// [`Channel::NAME`](crate::channel::Channel::NAME), for span names.
    pub(crate) name: &'static str,
    /// [`Channel::intercepts`](crate::channel::Channel::intercepts).
    pub(crate) intercepts: fn(&str) -> bool,
    pub(crate) outbound: Arc<Outbound>,
    pub(crate) inbox: mpsc::UnboundedSender<ChannelMsg>,
}

/// A new unique subscriber id.
pub(crate) fn next_subscriber_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A broadcast payload that does not serialise to JSON.
#[derive(Debug)]
pub struct BroadcastError(serde_json::Error);

impl fmt::Display for BroadcastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the broadcast payload does not serialise: {}", self.0)
    }
}

impl BroadcastError {
    pub(crate) fn from_serde(error: serde_json::Error) -> Self {
        BroadcastError(error)
    }
}

impl std::error::Error for BroadcastError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl PubSub {
    /// A node of the cluster `adapter` connects it to (see
    /// [`Adapter`]); [`PubSub::default`] is a cluster of one. A tokio
    /// runtime must be running if the adapter spawns tasks (the Redis one
    /// does).
    pub fn new(adapter: impl Adapter) -> Self {
        let shared = Arc::new(Shared {
            node: Arc::from(adapter.node_name()),
            topics: RwLock::default(),
            node_topics: RwLock::default(),
            adapter: Box::new(adapter),
        });
        let node: Weak<Shared> = Arc::downgrade(&shared);
        shared.adapter.start(Inbound { node });
        PubSub { shared }
    }

    /// This node's name in its cluster.
    pub fn node_name(&self) -> &str {
        &self.shared.node
    }

    /// Sends `event` with `payload` to every channel joined to `topic` on
    /// every node, inside a `channel.broadcast` span (see the
    /// [module documentation](crate::channel#spans)).
    ///
    /// `event` is `'static` because it names the recipients' spans
    /// (`room.handle_out {event}`), which must stay a bounded set.
    pub fn broadcast(
        &self,
        topic: &str,
        event: &'static str,
        payload: impl Serialize,
    ) -> Result<(), BroadcastError> {
        let payload = serde_json::to_value(payload).map_err(BroadcastError)?;
        self.publish(topic, event, payload, None, Reach::Cluster);
        Ok(())
    }

    /// As [`broadcast`](Self::broadcast), to this node's channels only
    /// (Phoenix's `local_broadcast`).
    pub fn local_broadcast(
        &self,
        topic: &str,
        event: &'static str,
        payload: impl Serialize,
    ) -> Result<(), BroadcastError> {
        let payload = serde_json::to_value(payload).map_err(BroadcastError)?;
        self.publish(topic, event, payload, None, Reach::Local);
        Ok(())
    }

    /// How many channels are joined to `topic` on this node now.
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.shared.topic(topic).map_or(0, |topic| {
            topic
                .subscribers
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .len()
        })
    }

    /// Receives the node messages other nodes send on node topic `topic`
    /// ([`node_broadcast`](Self::node_broadcast),
    /// [`node_send`](Self::node_send)); never this node's own. Node topics
    /// are a namespace of their own: no client sees them, and a node topic
    /// named like a channel topic is a different topic.
    ///
    /// The subscription holds up to 1024 messages; a message arriving when
    /// it is full is dropped and counted as the limit hit
    /// `pubsub_node_queue`. Dropping the subscription unsubscribes.
    pub fn node_subscribe(&self, topic: &str) -> NodeSubscription {
        let (tx, rx) = mpsc::channel(NODE_QUEUE);
        let mut node_topics = self
            .shared
            .node_topics
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let senders = node_topics.entry(topic.to_owned()).or_default();
        senders.retain(|sender| !sender.is_closed());
        senders.push(tx);
        NodeSubscription::new(rx)
    }

    /// Sends `payload` to every other node's subscribers of node topic
    /// `topic`, with the current span's context (a receiver links to it).
    /// At most once: a message the adapter cannot take is counted in
    /// `tracewire.pubsub.unpublished` and lost.
    pub fn node_broadcast(
        &self,
        topic: &str,
        payload: impl Serialize,
    ) -> Result<(), BroadcastError> {
        self.send_node_message(None, topic, payload)
    }

    /// As [`node_broadcast`](Self::node_broadcast), to node `node` only
    /// (Phoenix's `direct_broadcast`): routing a request to the node that
    /// holds its session.
    pub fn node_send(
        &self,
        node: &str,
        topic: &str,
        payload: impl Serialize,
    ) -> Result<(), BroadcastError> {
        self.send_node_message(Some(node), topic, payload)
    }

    fn send_node_message(
        &self,
        to: Option<&str>,
        topic: &str,
        payload: impl Serialize,
    ) -> Result<(), BroadcastError> {
        let payload = serde_json::to_value(payload).map_err(BroadcastError)?;
        if to == Some(&*self.shared.node) || !self.shared.adapter.has_peers() {
            return Ok(());
        }
        let message = ClusterMessage {
            node: self.shared.node.clone(),
            to: to.map(Arc::from),
            body: Body::Node {
                topic: topic.to_owned(),
                payload,
            },
            trace: trace_context(&opentelemetry::Context::current()),
        };
        if let Err(error) = self.shared.adapter.publish(&message) {
            crate::metrics::pubsub_unpublished(error.as_str());
        }
        Ok(())
    }

    /// Broadcasts to every subscriber of `topic` except the one whose id is
    /// `except` (on this node: subscriber ids are this process's).
    pub(crate) fn publish(
        &self,
        topic: &str,
        event: &'static str,
        payload: Value,
        except: Option<u64>,
        reach: Reach,
    ) {
        let mut span = SpanGuard::start(&BROADCAST_SPAN);
        let payload_json = payload.to_string();
        if span.is_recording() {
            // A topic may be a client's (a channel broadcasting on its own).
            let topic = crate::value::bounded_str(topic).into_owned();
            span.record(DESTINATION, Some(topic.into()));
            span.record(EVENT, Some(event.into()));
            span.record(PAYLOAD_SIZE, Some(len_i64(payload_json.len()).into()));
        }
        let link = span.context().span().span_context().clone();
        let tail = protocol::broadcast_tail(&protocol::json_string(topic), event, &payload_json);
        drop(payload_json);
        let message = Arc::new(Broadcast {
            event: Cow::Borrowed(event),
            span_event: event,
            payload,
            tail,
            link,
        });
        let recipients = match self.shared.topic(topic) {
            Some(topic) => deliver(&topic, &message, except),
            None => 0,
        };
        if span.is_recording() {
            span.record(RECIPIENTS, Some(len_i64(recipients).into()));
        }
        if reach == Reach::Cluster && self.shared.adapter.has_peers() {
            let outgoing = ClusterMessage {
                node: self.shared.node.clone(),
                to: None,
                body: Body::Broadcast {
                    topic: topic.to_owned(),
                    event: event.to_owned(),
                    payload: message.payload.clone(),
                    from: except,
                },
                trace: trace_context(span.context()),
            };
            // The adapter's own span (the Redis publish) is a child of
            // this one.
            if let Err(error) = span.in_scope(|| self.shared.adapter.publish(&outgoing)) {
                crate::metrics::pubsub_unpublished(error.as_str());
                span.finish(Outcome::error(error.as_str(), &error));
                return;
            }
        }
        span.finish(Outcome::Unset);
    }

    pub(crate) fn subscribe(&self, topic: &str, subscriber: Subscriber) {
        let mut topics = self
            .shared
            .topics
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let entry = topics.entry(Arc::from(topic)).or_default();
        entry
            .subscribers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(subscriber);
    }

    /// Removes subscriber `id`; returns once no broadcast can reach it.
    pub(crate) fn unsubscribe(&self, topic: &str, id: u64) {
        // Subscribing and unsubscribing both hold the map's write lock, so a
        // topic is never dropped from the map while someone joins it.
        let mut topics = self
            .shared
            .topics
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let Some(entry) = topics.get(topic) else {
            return;
        };
        let now_empty = {
            let mut subscribers = entry.subscribers.write().unwrap_or_else(|e| e.into_inner());
            subscribers.retain(|s| s.id != id);
            subscribers.is_empty()
        };
        if now_empty {
            topics.remove(topic);
        }
    }
}

/// Whether a broadcast goes to other nodes too.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    Cluster,
    Local,
}

/// The `trace_context` object of a message sent under `cx`.
fn trace_context(cx: &opentelemetry::Context) -> Map<String, Value> {
    let mut meta = Map::new();
    crate::carrier::inject_json(cx, &mut meta);
    match meta.remove(crate::carrier::JSON_KEY) {
        Some(Value::Object(trace)) => trace,
        _ => Map::new(),
    }
}

impl Shared {
    fn topic(&self, topic: &str) -> Option<Arc<Topic>> {
        let topics = self.topics.read().unwrap_or_else(|e| e.into_inner());
        topics.get(topic).cloned()
    }
}

impl ReceivingNode for Shared {
    fn receive(&self, received: ClusterMessage) {
        // phoenix_pubsub_redis's filter: a node's own messages come back
        // from the broker, and were delivered here when published.
        if received.node == self.node || received.to.as_ref().is_some_and(|to| *to != self.node) {
            return;
        }
        let link = received.link().unwrap_or_else(|reason| {
            crate::metrics::pubsub_rejected(reason.as_str());
            None
        });
        match received.body {
            Body::Broadcast {
                topic,
                event,
                payload,
                from: _,
            } => {
                // `from` names a subscriber of the sending node, which
                // excluded it there; ids here are another process's.
                let Some(subscribers) = self.topic(&topic) else {
                    return;
                };
                let span_event = remote_event_name(&event);
                let tail = protocol::broadcast_tail(
                    &protocol::json_string(&topic),
                    &event,
                    &payload.to_string(),
                );
                let message = Arc::new(Broadcast {
                    event: Cow::Owned(event),
                    span_event,
                    payload,
                    tail,
                    link: link.unwrap_or_else(SpanContext::empty_context),
                });
                deliver(&subscribers, &message, None);
            }
            Body::Node { topic, payload } => {
                let node_topics = self.node_topics.read().unwrap_or_else(|e| e.into_inner());
                let Some(senders) = node_topics.get(&topic) else {
                    return;
                };
                let message = NodeMessage::new(received.node, topic, payload, link);
                for sender in senders {
                    match sender.try_send(message.clone()) {
                        Err(mpsc::error::TrySendError::Full(_)) => {
                            crate::metrics::limit_hit("pubsub_node_queue");
                        }
                        Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
                    }
                }
            }
        }
    }
}

/// How many distinct event names from other nodes get span names of their
/// own; later ones share `other`. Broadcast events are `'static` on the
/// node that sends them, but the broker is untrusted input.
const MAX_REMOTE_EVENTS: usize = 512;

/// `event` as a `'static` span-name part, interned up to
/// [`MAX_REMOTE_EVENTS`] names.
fn remote_event_name(event: &str) -> &'static str {
    static NAMES: OnceLock<RwLock<HashSet<&'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(Default::default);
    if let Some(name) = names.read().unwrap_or_else(|e| e.into_inner()).get(event) {
        return name;
    }
    let mut names = names.write().unwrap_or_else(|e| e.into_inner());
    if let Some(name) = names.get(event) {
        return name;
    }
    if names.len() >= MAX_REMOTE_EVENTS || event.len() > crate::semconv::MAX_RECORDED_STRING {
        return "other";
    }
    let name: &'static str = Box::leak(event.to_owned().into_boxed_str());
    names.insert(name);
    name
}

fn deliver(topic: &Topic, message: &Arc<Broadcast>, except: Option<u64>) -> usize {
    let subscribers = topic.subscribers.read().unwrap_or_else(|e| e.into_inner());
    // Span names are joined once per (channel, event); consecutive
    // subscribers are nearly always the same channel type.
    let mut names: Option<(&'static str, &'static str)> = None;
    let mut recipients = 0;
    for subscriber in subscribers.iter() {
        if Some(subscriber.id) == except {
            continue;
        }
        recipients += 1;
        if (subscriber.intercepts)(&message.event) {
            // A connection that cannot take it is closed as too slow; the
            // message is not lost for anyone else.
            if let Ok(permit) = subscriber.outbound.reserve(message.cost()) {
                let _ = subscriber.inbox.send(ChannelMsg::Broadcast {
                    message: message.clone(),
                    _permit: permit,
                });
            }
            continue;
        }
        let span_name = match names {
            Some((name, span_name)) if std::ptr::eq(name, subscriber.name) => span_name,
            _ => {
                let span_name = concat(subscriber.name, ".handle_out ", message.span_event);
                names = Some((subscriber.name, span_name));
                span_name
            }
        };
        let frame = protocol::broadcast_frame(&subscriber.join_ref, &message.tail);
        // A closed connection (gone, or too slow) simply misses it.
        let _ = subscriber
            .outbound
            .send_delivery(frame, span_name, message.link.clone());
    }
    recipients
}

fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
