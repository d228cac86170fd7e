#![doc = include_str!("../../docs/guides/channels.md")]

pub mod cluster;
pub(crate) mod handler;
pub mod presence;
mod server;
pub mod transport;
mod wire;

pub use cluster::pubsub::{BroadcastError, PubSub};
pub use handler::{
    Assigns, Channel, ConnectError, ConnectInfo, ConnectParams, IntoJoin, IntoOutgoing, IntoReply,
    JoinError, LeaveReason, Outgoing, Payload, PushError, Pusher, Reply, Socket, SocketHandler,
};
pub use server::{Server, ServerHandle};
