//! [`Socket`], a joined channel's view of its connection, and [`Pusher`],
//! which pushes to that channel's client from anywhere.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::channel::cluster::pubsub::{BroadcastError, PubSub, Reach};
use crate::channel::presence::Presence;
use crate::channel::wire::outbound::Outbound;
use crate::channel::wire::protocol::{self, RawRef};

/// Per-connection values set by [`SocketHandler::connect`](crate::channel::SocketHandler::connect) (Phoenix's socket
/// assigns), copied into every channel the connection joins.
pub type Assigns = serde_json::Map<String, Value>;

/// A joined channel's view of its connection (Phoenix's channel socket):
/// its topic, the connection's id and assigns, and the ways to reach
/// clients.
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
///     async fn join(topic: &str, _: Payload, socket: &mut Socket) -> Result<(Self, Payload), JoinError> {
///         // Assigns set by `SocketHandler::connect`, copied into each channel.
///         let user: String = socket.get("user").ok_or("unauthorized")?;
///         socket.assign("room", topic).map_err(|e| JoinError::new(e.to_string()))?;
///         Ok((RoomChannel, serde_json::json!({ "user": user })))
///     }
///
///     async fn handle_in(&mut self, event: &str, payload: Payload, socket: &mut Socket) -> Option<Reply> {
///         match event {
///             // To everyone in the room, this client included.
///             "message:new" => socket.broadcast("message:new", payload).err().map(Reply::error),
///             // To everyone else.
///             "typing" => socket.broadcast_from("typing", payload).err().map(Reply::error),
///             // Answered later, from a task.
///             "report" => {
///                 let pusher = socket.pusher();
///                 tokio::spawn(async move {
///                     let report = serde_json::json!({ "rows": 3 });
///                     // Fails with an error, never a panic, once the client is gone.
///                     let _ = pusher.push("report:ready", report);
///                 });
///                 Some(Reply::Ok(serde_json::json!({ "status": "processing" })))
///             }
///             other => Some(Reply::unknown_event(other)),
///         }
///     }
/// }
/// ```
pub struct Socket {
    pub(crate) topic: Arc<str>,
    /// The topic as a JSON string literal, spliced into frames.
    pub(crate) topic_json: Arc<str>,
    pub(crate) join_ref: RawRef,
    /// This channel's id in PubSub.
    pub(crate) subscriber: u64,
    pub(crate) id: Option<Arc<str>>,
    pub(crate) assigns: Assigns,
    pub(crate) outbound: Arc<Outbound>,
    pub(crate) pubsub: PubSub,
    pub(crate) presence: Presence,
    /// Whether the channel is still joined; pushes fail once it is not.
    pub(crate) open: Arc<AtomicBool>,
}

impl Socket {
    /// The topic this channel joined (`room:lobby`).
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The connection's id, from [`SocketHandler::id`](crate::channel::SocketHandler::id).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The channel's assigns: the connection's, as
    /// [`SocketHandler::connect`](crate::channel::SocketHandler::connect) set them, plus this channel's own
    /// [`assign`](Self::assign)s.
    pub fn assigns(&self) -> &Assigns {
        &self.assigns
    }

    /// Sets an assign for this channel (not for the connection's other
    /// channels); fails if `value` does not serialise to JSON.
    pub fn assign(
        &mut self,
        key: impl Into<String>,
        value: impl Serialize,
    ) -> Result<(), serde_json::Error> {
        let value = serde_json::to_value(value)?;
        self.assigns.insert(key.into(), value);
        Ok(())
    }

    /// The assign `key` decoded as `T`; `None` if it is not set or does not
    /// decode.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        T::deserialize(self.assigns.get(key)?).ok()
    }

    /// Pushes `event` with `payload` to this channel's client.
    pub fn push(&self, event: &str, payload: impl Serialize) -> Result<(), PushError> {
        let payload = serde_json::to_value(payload).map_err(PushError::Payload)?;
        self.send_push(event, &payload)
    }

    pub(crate) fn send_push(&self, event: &str, payload: &Value) -> Result<(), PushError> {
        push(
            &self.outbound,
            &self.open,
            &self.join_ref,
            &self.topic_json,
            event,
            payload,
        )
    }

    /// Broadcasts `event` with `payload` to every channel joined to this
    /// topic, this one included (see [`PubSub::broadcast`]).
    pub fn broadcast(
        &self,
        event: &'static str,
        payload: impl Serialize,
    ) -> Result<(), BroadcastError> {
        self.pubsub.broadcast(&self.topic, event, payload)
    }

    /// Broadcasts to every channel joined to this topic, on every node,
    /// except this one.
    pub fn broadcast_from(
        &self,
        event: &'static str,
        payload: impl Serialize,
    ) -> Result<(), BroadcastError> {
        let payload = serde_json::to_value(payload).map_err(BroadcastError::from_serde)?;
        self.pubsub.publish(
            &self.topic,
            event,
            payload,
            Some(self.subscriber),
            Reach::Cluster,
        );
        Ok(())
    }

    /// A handle that pushes to this channel's client from anywhere, later:
    /// a spawned task reporting when its work is done.
    pub fn pusher(&self) -> Pusher {
        Pusher {
            topic_json: self.topic_json.clone(),
            join_ref: self.join_ref.clone(),
            outbound: self.outbound.clone(),
            open: self.open.clone(),
        }
    }

    /// The server's topics, to broadcast to other topics.
    pub fn pubsub(&self) -> &PubSub {
        &self.pubsub
    }

    /// The server's [`Presence`], to track this channel's connection on
    /// its topic.
    pub fn presence(&self) -> &Presence {
        &self.presence
    }
}

impl fmt::Debug for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socket")
            .field("topic", &self.topic)
            .field("id", &self.id)
            .field("assigns", &self.assigns)
            .finish_non_exhaustive()
    }
}

/// Pushes to one channel's client from anywhere: cheap to clone, `Send`,
/// `'static`. From [`Socket::pusher`].
///
/// Once the channel has stopped (the client left, the connection closed,
/// or was closed for being too slow), every push fails with
/// [`PushError::Closed`].
#[derive(Clone)]
pub struct Pusher {
    topic_json: Arc<str>,
    join_ref: RawRef,
    outbound: Arc<Outbound>,
    open: Arc<AtomicBool>,
}

impl Pusher {
    /// Pushes `event` with `payload` to the channel's client, as
    /// `[join_ref, null, topic, event, payload]`.
    pub fn push(&self, event: &str, payload: impl Serialize) -> Result<(), PushError> {
        let payload = serde_json::to_value(payload).map_err(PushError::Payload)?;
        push(
            &self.outbound,
            &self.open,
            &self.join_ref,
            &self.topic_json,
            event,
            &payload,
        )
    }

    /// Whether the channel is still joined and its connection open.
    pub fn is_open(&self) -> bool {
        is_open(&self.open) && !self.outbound.is_closing()
    }
}

impl fmt::Debug for Pusher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pusher")
            .field("topic", &self.topic_json)
            .field("open", &self.is_open())
            .finish()
    }
}

fn push(
    outbound: &Outbound,
    open: &AtomicBool,
    join_ref: &RawRef,
    topic_json: &str,
    event: &str,
    payload: &Value,
) -> Result<(), PushError> {
    if !is_open(open) {
        return Err(PushError::Closed);
    }
    let text = protocol::frame(
        join_ref.as_json(),
        "null",
        topic_json,
        event,
        &payload.to_string(),
    );
    outbound.send(text).map_err(|_| PushError::Closed)
}

/// Why a push did not reach the client.
#[derive(Debug)]
pub enum PushError {
    /// The channel has stopped or its connection is closed.
    Closed,
    /// The payload does not serialise to JSON.
    Payload(serde_json::Error),
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::Closed => f.write_str("the channel is closed"),
            PushError::Payload(e) => write!(f, "the push payload does not serialise: {e}"),
        }
    }
}

impl std::error::Error for PushError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PushError::Closed => None,
            PushError::Payload(e) => Some(e),
        }
    }
}

impl crate::SpanOutcome for PushError {
    fn span_outcome(&self) -> crate::Outcome<'_> {
        match self {
            PushError::Closed => crate::Outcome::error("closed", self),
            PushError::Payload(_) => crate::Outcome::error("payload", self),
        }
    }
}
/// Whether a pusher's channel is still joined.
pub(crate) fn is_open(open: &AtomicBool) -> bool {
    open.load(Ordering::Acquire)
}
