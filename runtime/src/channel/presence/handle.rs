//! [`Presence`]: who is on each topic (Phoenix.Presence), tracked per joined
//! channel, pushed to clients as `presence_state` and `presence_diff`.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry::trace::SpanKind;
use serde::Serialize;
use serde_json::Value;

use super::state::{Change, Meta, PresenceState, by_topic, diff};
use super::tracker::{self, NODE_TOPIC, Replication};
use crate::channel::cluster::pubsub::{PubSub, Reach};
use crate::outcome::Outcome;
use crate::span::{SpanGuard, SpanMeta};
use crate::value::bounded_str;

/// The default [`Server::presence_period`](crate::channel::Server::presence_period):
/// Phoenix.Tracker's broadcast period, 1.5 seconds.
pub const DEFAULT_PRESENCE_PERIOD: Duration = Duration::from_millis(1500);

/// The event carrying a topic's whole presence list.
pub(crate) const PRESENCE_STATE: &str = "presence_state";
/// The event carrying joins and leaves.
pub(crate) const PRESENCE_DIFF: &str = "presence_diff";

const TRACK_SPAN: SpanMeta = SpanMeta {
    name: "presence.track",
    kind: SpanKind::Internal,
    sample: None,
};
const UNTRACK_SPAN: SpanMeta = SpanMeta {
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
///
/// # Across nodes
///
/// On servers joined into a cluster by an [`Adapter`](crate::channel::cluster::Adapter)
/// ([`Server::adapter`](crate::channel::Server::adapter)), every node lists every
/// node's presences, as Phoenix.Tracker does:
///
/// - each node owns the presences it tracks, and alone changes them; it
///   sends each change to the other nodes as a *delta* (numbered, in
///   order) and, every [period](crate::channel::Server::presence_period) (1.5 s
///   unless set), a *heartbeat* with the number of its last delta;
/// - a node applies another's deltas in order and pushes them to its own
///   channels as `presence_diff`. Delivery across nodes is at most once:
///   a node that misses a delta (a gap in the numbers, or a heartbeat
///   ahead of what it has) asks its owner for its whole state, and
///   replaces what it had of that node with it, pushing the difference;
///   a node seen for the first time is asked the same way. So the nodes
///   converge within a period or two of the last change, lost messages
///   included;
/// - a node not heard from for three periods (4.5 s unless set) is down:
///   its presences leave, with a `presence_diff`, on every other node. A
///   node killed without shutting down is thus gone from every list
///   within four periods (6 s unless set) of its last message. If it was
///   only cut off, it is listed again once it is heard from;
/// - a node that shuts down stops its channels first, and their presences
///   leave as deltas at once.
///
/// Applying another node's delta is traced as `presence.apply_delta`
/// (CONSUMER, linked to the `presence.track` or `presence.untrack` span
/// that sent it; `presence.node`, and `presence.topic` and `presence.key`
/// for a delta of one change), a whole state as `presence.apply_state`,
/// and a node found down as `presence.node_down` (`presence.node`,
/// `presence.leaves`). A node's whole state travels in one message, so it
/// must fit the adapter's message limit (2 MiB: some ten thousand
/// presences of small metas).
#[derive(Clone)]
pub struct Presence {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    /// This node's name: the owner of the metas it tracks.
    pub(crate) node: Arc<str>,
    pub(crate) pubsub: PubSub,
    pub(crate) period: Duration,
    state: Mutex<Inner>,
}

/// What the lock guards: the presences, and what the other nodes have been
/// told of them, changed together so that deltas go out in the order the
/// state changed.
#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) presences: PresenceState,
    pub(crate) replication: Replication,
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
    pub(crate) fn new(pubsub: PubSub, period: Duration) -> Self {
        Presence {
            shared: Arc::new(Shared {
                node: Arc::from(pubsub.node_name()),
                pubsub,
                period,
                state: Mutex::default(),
            }),
        }
    }

    /// Starts the replication across nodes (if a tokio runtime is running,
    /// which a server that serves has); it stops when `shutdown` resolves
    /// (the server stops), or once nothing uses this Presence any more.
    pub(crate) fn start_tracker(&self, shutdown: impl Future<Output = ()> + Send + 'static) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let subscription = self.shared.pubsub.node_subscribe(NODE_TOPIC);
            let shared = Arc::downgrade(&self.shared);
            runtime.spawn(tracker::run(shared, subscription, shutdown));
        }
    }

    pub(crate) fn from_shared(shared: Arc<Shared>) -> Self {
        Presence { shared }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Tracks a joined channel on `topic` under `key`, with `meta`: the
    /// body of [`Presence::track`], which is written beside
    /// [`Socket`](crate::channel::Socket) (`handler/tracking.rs`), so that
    /// Presence needs nothing of sockets but their topic, their `owner` id
    /// and a way to push the topic's list to their client.
    pub(crate) fn track_channel(
        &self,
        topic: &Arc<str>,
        owner: u64,
        key: String,
        meta: impl Serialize,
        push_state: impl FnOnce(&str, &Value),
    ) -> Result<(), PresenceError> {
        let mut span = SpanGuard::start(&TRACK_SPAN);
        set_presence_attributes(&mut span, topic, &key);
        let tracked = self.track_in(&mut span, topic, owner, key, meta, push_state);
        match &tracked {
            Ok(()) => span.finish(Outcome::Unset),
            Err(e) => span.finish(crate::SpanOutcome::span_outcome(e)),
        }
        tracked
    }

    fn track_in(
        &self,
        span: &mut SpanGuard,
        topic: &Arc<str>,
        owner: u64,
        key: String,
        meta: impl Serialize,
        push_state: impl FnOnce(&str, &Value),
    ) -> Result<(), PresenceError> {
        let mut value = match serde_json::to_value(meta) {
            Ok(Value::Object(object)) => object,
            Ok(_) => return Err(PresenceError::Meta("not an object".into())),
            Err(e) => return Err(PresenceError::Meta(e.to_string())),
        };
        let phx_ref = new_ref();
        value.insert("phx_ref".into(), Value::String(phx_ref.to_string()));
        let change = Change {
            topic: topic.clone(),
            key,
            meta: Meta {
                phx_ref,
                node: self.shared.node.clone(),
                owner,
                value: Value::Object(value),
            },
        };
        let mut state = self.lock();
        if state
            .presences
            .is_tracked(&change.topic, &change.key, owner)
        {
            return Err(PresenceError::AlreadyTracked);
        }
        state.presences.insert(&change);
        // Under the lock, so every client sees the diffs in the order the
        // state changed, every node gets the deltas in that order, and the
        // list pushed below is the one after it.
        let joins = std::slice::from_ref(&change);
        span.in_scope(|| {
            self.broadcast_diff(&change.topic, joins, &[]);
            state
                .replication
                .send_delta(&self.shared.pubsub, joins, &[]);
        });
        push_state(PRESENCE_STATE, &state.presences.list(&change.topic));
        Ok(())
    }

    /// Stops tracking the channel `owner` under `key` on `topic`: the body
    /// of [`Presence::untrack`] (see [`track_channel`](Self::track_channel)).
    pub(crate) fn untrack_channel(&self, topic: &str, owner: u64, key: &str) -> bool {
        let mut state = self.lock();
        let removed = state.presences.remove_owned(topic, key, owner);
        let tracked = !removed.is_empty();
        self.left(&mut state, removed, "untrack", None);
        tracked
    }

    /// Everyone present on `topic`, on every node, in `presence_state`'s
    /// format: `{"alice": {"metas": [{"phx_ref": "…", ..}]}, ..}`.
    pub fn list(&self, topic: &str) -> Value {
        self.lock().presences.list(topic)
    }

    /// A channel has stopped: its presences leave.
    pub(crate) fn channel_stopped(&self, owner: u64) {
        let mut state = self.lock();
        let removed = state.presences.remove_owner(owner);
        // Channels run under their handlers' contexts; what outlives them
        // starts its own trace.
        self.left(&mut state, removed, "channel_stopped", Some(Context::new()));
    }

    /// Broadcasts the leaves in `removed` and sends them to the other
    /// nodes, one `presence.untrack` span per key.
    fn left(
        &self,
        state: &mut Inner,
        removed: Vec<Change>,
        reason: &'static str,
        parent: Option<Context>,
    ) {
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
                    Some(cx) => SpanGuard::start_with_parent(&UNTRACK_SPAN, cx.clone()),
                    None => SpanGuard::start(&UNTRACK_SPAN),
                };
                set_presence_attributes(&mut span, &topic, key);
                if span.is_recording() {
                    span.record(REASON, Some(reason.into()));
                }
                let leaves = &changes[start..end];
                span.in_scope(|| {
                    self.broadcast_diff(&topic, &[], leaves);
                    state
                        .replication
                        .send_delta(&self.shared.pubsub, &[], leaves);
                });
                span.finish(Outcome::Unset);
                start = end;
            }
        }
    }

    /// `presence_diff` to this node's channels on `topic` (each node
    /// broadcasts the changes it learns of to its own channels).
    pub(crate) fn broadcast_diff(&self, topic: &str, joins: &[Change], leaves: &[Change]) {
        if joins.is_empty() && leaves.is_empty() {
            return;
        }
        let payload = diff(joins, leaves);
        self.shared
            .pubsub
            .publish(topic, PRESENCE_DIFF, payload, None, Reach::Local);
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Sets a change's topic and key on its span.
pub(crate) fn set_presence_attributes(span: &mut SpanGuard, topic: &str, key: &str) {
    if span.is_recording() {
        span.record(TOPIC, Some(bounded_str(topic).into_owned().into()));
        span.record(KEY, Some(bounded_str(key).into_owned().into()));
    }
}

/// A new `phx_ref`: 64 random bits (the id generator's thread-local
/// CSPRNG), unique across nodes.
fn new_ref() -> Arc<str> {
    use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
    Arc::from(RandomIdGenerator::default().new_span_id().to_string())
}
