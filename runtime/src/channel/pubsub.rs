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
//!   [`Channel::handle_out`](super::Channel::handle_out) under a context
//!   asking the next handler span to link to the broadcast span.
//!
//! The broadcast span's context travels beside the payload in the
//! [`Broadcast`] (the PubSub message's metadata), never inside the JSON a
//! client receives.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use opentelemetry::trace::{SpanKind, TraceContextExt as _};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::mailbox::{Broadcast, ChannelMsg};
use super::outbound::Outbound;
use super::protocol::{self, RawRef};
use crate::outcome::Outcome;
use crate::span::{HandlerMeta, HandlerSpan};
use crate::static_name::concat;

/// The span around each broadcast.
const BROADCAST_SPAN: HandlerMeta = HandlerMeta {
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
/// [`Server`](super::Server) and every socket it serves.
///
/// [`Socket::broadcast`](super::Socket::broadcast) broadcasts to the
/// socket's own topic; use this to broadcast to any topic, from a handler
/// (fan-out to several rooms) or from outside any channel (Phoenix's
/// `Endpoint.broadcast`).
///
/// Broadcasts never wait: each subscriber's connection gets the message at
/// once, or, when its outbound buffer is full, is closed as too slow (see the
/// [module documentation](super#backpressure)).
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
#[derive(Clone, Default)]
pub struct PubSub {
    topics: Arc<RwLock<HashMap<Arc<str>, Arc<Topic>>>>,
}

impl fmt::Debug for PubSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let topics = self.topics.read().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("PubSub")
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
    /// [`Channel::NAME`](super::Channel::NAME), for span names.
    pub(crate) name: &'static str,
    /// [`Channel::intercepts`](super::Channel::intercepts).
    pub(crate) intercepts: fn(&str) -> bool,
    pub(crate) outbound: Arc<Outbound>,
    pub(crate) mailbox: mpsc::UnboundedSender<ChannelMsg>,
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
    /// Sends `event` with `payload` to every channel joined to `topic`,
    /// inside a `channel.broadcast` span (see the
    /// [module documentation](super#spans)).
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
        self.publish(topic, event, payload, None);
        Ok(())
    }

    /// How many channels are joined to `topic` now.
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.topic(topic).map_or(0, |topic| {
            topic
                .subscribers
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .len()
        })
    }

    fn topic(&self, topic: &str) -> Option<Arc<Topic>> {
        let topics = self.topics.read().unwrap_or_else(|e| e.into_inner());
        topics.get(topic).cloned()
    }

    /// Broadcasts to every subscriber of `topic` except the one whose id is
    /// `except`.
    pub(crate) fn publish(
        &self,
        topic: &str,
        event: &'static str,
        payload: Value,
        except: Option<u64>,
    ) {
        let mut span = HandlerSpan::start(&BROADCAST_SPAN);
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
            event,
            payload,
            tail,
            link,
        });
        let recipients = match self.topic(topic) {
            Some(topic) => deliver(&topic, &message, except),
            None => 0,
        };
        if span.is_recording() {
            span.record(RECIPIENTS, Some(len_i64(recipients).into()));
        }
        span.finish(Outcome::Unset);
    }

    pub(crate) fn subscribe(&self, topic: &str, subscriber: Subscriber) {
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
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
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
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
        if (subscriber.intercepts)(message.event) {
            // A connection that cannot take it is closed as too slow; the
            // message is not lost for anyone else.
            if let Ok(permit) = subscriber.outbound.reserve(message.cost()) {
                let _ = subscriber.mailbox.send(ChannelMsg::Broadcast {
                    message: message.clone(),
                    _permit: permit,
                });
            }
            continue;
        }
        let span_name = match names {
            Some((name, span_name)) if std::ptr::eq(name, subscriber.name) => span_name,
            _ => {
                let span_name = concat(subscriber.name, ".handle_out ", message.event);
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
