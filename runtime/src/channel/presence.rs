//! [`Presence`]: who is on each topic (Phoenix.Presence), tracked per joined
//! channel, pushed to clients as `presence_state` and `presence_diff`.

use std::fmt;
use std::sync::{Arc, Mutex};

use opentelemetry::Context;
use opentelemetry::trace::SpanKind;
use serde::Serialize;
use serde_json::Value;

use super::presence_state::{Change, Meta, PresenceState, by_topic, diff};
use super::pubsub::{PubSub, Reach};
use super::socket::Socket;
use crate::outcome::Outcome;
use crate::span::{HandlerMeta, HandlerSpan};
use crate::value::bounded_str;

/// The event carrying a topic's whole presence list.
pub(crate) const PRESENCE_STATE: &str = "presence_state";
/// The event carrying joins and leaves.
pub(crate) const PRESENCE_DIFF: &str = "presence_diff";

const TRACK_SPAN: HandlerMeta = HandlerMeta {
    name: "presence.track",
    kind: SpanKind::Internal,
    sample: None,
};
const UNTRACK_SPAN: HandlerMeta = HandlerMeta {
    name: "presence.untrack",
    kind: SpanKind::Internal,
    sample: None,
};
/// The topic of a presence change.
pub(crate) const TOPIC: &str = "presence.topic";
/// The key of a presence change (a user id, say: never its meta).
pub(crate) const KEY: &str = "presence.key";
/// Why a presence left: `untrack`, `channel_stopped` or `node_down`.
pub(crate) const REASON: &str = "presence.reason";

/// Who is present on each topic: Phoenix.Presence for tracewire channels.
///
/// A channel [`track`](Self::track)s its connection under a key (a user
/// id, say) with a meta (a JSON object: the device, the status). Every
/// connection tracked under a key is one meta of it, with its own
/// `phx_ref`, so a user on a phone and a laptop is one key with two metas.
/// The tracking channel's client gets the topic's whole list as
/// `presence_state`; every channel joined to the topic gets each change as
/// `presence_diff`, in exactly the format the `phoenix` JavaScript client's
/// `Presence` class reads:
///
/// ```text
/// presence_state  {"alice": {"metas": [{"phx_ref": "5f0c…", "device": "phone"}]}}
/// presence_diff   {"joins": {"bob": {"metas": [{"phx_ref": "9a1e…"}]}}, "leaves": {}}
/// ```
///
/// A presence lasts until [`untrack`](Self::untrack)ed or until its channel
/// stops (the client leaves, disconnects, or the channel crashes), as in
/// Phoenix, where the tracker monitors the channel process.
///
/// Each change is traced: `presence.track` and `presence.untrack` spans
/// (INTERNAL, children of the current span: the handler that tracked) with
/// `presence.topic` and `presence.key` (never the meta), and the
/// `presence_diff` broadcast's `channel.broadcast` span as their child.
///
/// # Examples
///
/// ```
/// use tracewire::channel::{Channel, JoinError, Payload, Reply, Socket};
///
/// struct RoomChannel;
///
/// impl Channel for RoomChannel {
///     const NAME: &'static str = "room";
///
///     async fn join(_: &str, _: Payload, socket: &mut Socket) -> Result<(Self, Payload), JoinError> {
///         let user: String = socket.get("user").ok_or("unauthorized")?;
///         // The client gets `presence_state`; everyone in the room, `presence_diff`.
///         socket
///             .presence()
///             .track(socket, &user, serde_json::json!({ "device": "phone" }))
///             .map_err(|e| JoinError::new(e.to_string()))?;
///         Ok((RoomChannel, serde_json::json!({})))
///     }
///
///     async fn handle_in(&mut self, event: &str, _: Payload, socket: &mut Socket) -> Option<Reply> {
///         match event {
///             "who" => Some(Reply::Ok(socket.presence().list(socket.topic()))),
///             other => Some(Reply::unknown_event(other)),
///         }
///     }
/// }
/// ```
///
/// On the client:
///
/// ```js
/// import { Presence } from "phoenix"
/// const presence = new Presence(channel)
/// presence.onSync(() => render(presence.list((user, { metas }) => user)))
/// ```
#[derive(Clone)]
pub struct Presence {
    shared: Arc<Shared>,
}

struct Shared {
    /// This node's id: the owner of the metas it tracks.
    node: Arc<str>,
    pubsub: PubSub,
    state: Mutex<PresenceState>,
}

impl fmt::Debug for Presence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presence")
            .field("node", &self.shared.node)
            .finish_non_exhaustive()
    }
}

/// Why a presence could not be tracked.
#[derive(Debug)]
pub enum PresenceError {
    /// The meta is not a JSON object (or does not serialise to one).
    Meta(String),
    /// This channel already tracks the key on its topic (Phoenix's
    /// `already_tracked`).
    AlreadyTracked,
}

impl fmt::Display for PresenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PresenceError::Meta(why) => write!(f, "the presence meta is not a JSON object: {why}"),
            PresenceError::AlreadyTracked => {
                f.write_str("this channel already tracks the key on its topic")
            }
        }
    }
}

impl std::error::Error for PresenceError {}

impl crate::SpanOutcome for PresenceError {
    fn span_outcome(&self) -> Outcome<'_> {
        match self {
            PresenceError::Meta(_) => Outcome::error("presence_meta", self),
            PresenceError::AlreadyTracked => Outcome::error("already_tracked", self),
        }
    }
}

impl Presence {
    pub(crate) fn new(pubsub: PubSub, node: Arc<str>) -> Self {
        Presence {
            shared: Arc::new(Shared {
                node,
                pubsub,
                state: Mutex::new(PresenceState::default()),
            }),
        }
    }

    /// Tracks `socket`'s connection on its topic under `key`, with `meta`
    /// (a JSON object; `phx_ref` is added to it). The socket's client gets
    /// `presence_state`, every channel on the topic `presence_diff` with the
    /// join.
    pub fn track(
        &self,
        socket: &Socket,
        key: impl Into<String>,
        meta: impl Serialize,
    ) -> Result<(), PresenceError> {
        let key = key.into();
        let mut span = HandlerSpan::start(&TRACK_SPAN);
        record(&mut span, socket.topic(), &key);
        let tracked = self.track_in(&mut span, socket, key, meta);
        match &tracked {
            Ok(()) => span.finish(Outcome::Unset),
            Err(e) => span.finish(crate::SpanOutcome::span_outcome(e)),
        }
        tracked
    }

    fn track_in(
        &self,
        span: &mut HandlerSpan,
        socket: &Socket,
        key: String,
        meta: impl Serialize,
    ) -> Result<(), PresenceError> {
        let mut value = match serde_json::to_value(meta) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return Err(PresenceError::Meta("not an object".into())),
            Err(e) => return Err(PresenceError::Meta(e.to_string())),
        };
        let phx_ref = new_ref();
        value.insert("phx_ref".into(), Value::String(phx_ref.to_string()));
        let change = Change {
            topic: socket.topic.clone(),
            key,
            meta: Meta {
                phx_ref,
                node: self.shared.node.clone(),
                owner: socket.subscriber,
                value: Value::Object(value),
            },
        };
        let mut state = self.lock();
        if state.is_tracked(&change.topic, &change.key, socket.subscriber) {
            return Err(PresenceError::AlreadyTracked);
        }
        state.insert(&change);
        // Under the lock, so every client sees the diffs in the order the
        // state changed, and the list pushed below is the one after it.
        span.in_scope(|| self.broadcast_diff(&change.topic, std::slice::from_ref(&change), &[]));
        let _ = socket.send_push(PRESENCE_STATE, &state.list(&change.topic));
        Ok(())
    }

    /// Stops tracking `socket`'s connection under `key` on its topic; every
    /// channel on the topic gets `presence_diff` with the leave. Returns
    /// whether it was tracked.
    pub fn untrack(&self, socket: &Socket, key: &str) -> bool {
        let mut state = self.lock();
        let removed = state.remove_owned(socket.topic(), key, socket.subscriber);
        let tracked = !removed.is_empty();
        self.left(removed, "untrack", None);
        tracked
    }

    /// Everyone present on `topic`, in `presence_state`'s format:
    /// `{"alice": {"metas": [{"phx_ref": "…", ..}]}, ..}`.
    pub fn list(&self, topic: &str) -> Value {
        self.lock().list(topic)
    }

    /// A channel has stopped: its presences leave.
    pub(crate) fn channel_stopped(&self, owner: u64) {
        let mut state = self.lock();
        let removed = state.remove_owner(owner);
        // Channels run under their handlers' contexts; what outlives them
        // starts its own trace.
        self.left(removed, "channel_stopped", Some(Context::new()));
    }

    /// Broadcasts the leaves in `removed`, one `presence.untrack` span per
    /// key. Called under the lock.
    fn left(&self, removed: Vec<Change>, reason: &'static str, parent: Option<Context>) {
        for (topic, changes) in by_topic(removed) {
            let mut start = 0;
            while start < changes.len() {
                let key = &changes[start].key;
                let end = start
                    + changes[start..]
                        .iter()
                        .take_while(|c| &c.key == key)
                        .count();
                let mut span = match &parent {
                    Some(cx) => HandlerSpan::start_with_parent(&UNTRACK_SPAN, cx.clone()),
                    None => HandlerSpan::start(&UNTRACK_SPAN),
                };
                record(&mut span, &topic, key);
                if span.is_recording() {
                    span.record(REASON, Some(reason.into()));
                }
                span.in_scope(|| self.broadcast_diff(&topic, &[], &changes[start..end]));
                span.finish(Outcome::Unset);
                start = end;
            }
        }
    }

    /// `presence_diff` to this node's channels on `topic` (each node
    /// broadcasts the changes it learns of to its own channels).
    fn broadcast_diff(&self, topic: &str, joins: &[Change], leaves: &[Change]) {
        let payload = diff(joins, leaves);
        self.shared
            .pubsub
            .publish(topic, PRESENCE_DIFF, payload, None, Reach::Local);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PresenceState> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn record(span: &mut HandlerSpan, topic: &str, key: &str) {
    if span.is_recording() {
        span.record(TOPIC, Some(bounded_str(topic).into_owned().into()));
        span.record(KEY, Some(bounded_str(key).into_owned().into()));
    }
}

/// A new `phx_ref`: 64 random bits, unique across nodes.
fn new_ref() -> Arc<str> {
    use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
    Arc::from(RandomIdGenerator::default().new_span_id().to_string())
}
