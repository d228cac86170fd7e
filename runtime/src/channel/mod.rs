#![doc = include_str!("../../docs/guides/channels.md")]
//!
//! # More than one node
//!
#![doc = include_str!("../../docs/guides/cluster.md")]

mod adapter;
mod connection;
pub(crate) mod handler;
mod in_process;
mod joined;
mod limits;
mod listen;
mod longpoll;
mod longpoll_relay;
mod mailbox;
mod node_message;
mod origin;
mod outbound;
mod presence;
mod presence_state;
mod presence_tracker;
mod protocol;
mod pubsub;
#[cfg(feature = "redis")]
mod redis_adapter;
mod route;
mod server;
mod server_core;
mod socket;

pub use adapter::{
    Adapter, Envelope, Inbound, MAX_ENVELOPE_NAME, MAX_ENVELOPE_SIZE, PublishError, RejectReason,
};
pub use handler::{
    Channel, ConnectError, ConnectInfo, ConnectParams, IntoJoin, IntoOutgoing, IntoReply,
    JoinError, LeaveReason, Outgoing, Payload, Reply, SocketHandler,
};
pub use in_process::InProcess;
pub use limits::{
    DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_CHANNELS, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_LENGTH, DEFAULT_MAX_TOPIC_LENGTH,
};
pub use longpoll::{DEFAULT_LONGPOLL_SESSION_TIMEOUT, DEFAULT_LONGPOLL_WINDOW};
pub use node_message::{NodeMessage, NodeSubscription};
pub use origin::OriginCheck;
pub use presence::{DEFAULT_PRESENCE_PERIOD, Presence, PresenceError};
pub use pubsub::{BroadcastError, PubSub};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_adapter::{
    DEFAULT_PUBLISH_QUEUE, DEFAULT_REDIS_CHANNEL, RECONNECT_MAX, RECONNECT_MIN, RedisAdapter,
    RedisUrlError,
};
pub use server::{
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_FRAME_SIZE, DEFAULT_OUTBOUND_BUFFER, Server, ServerHandle,
};
pub use socket::{Assigns, PushError, Pusher, Socket};
