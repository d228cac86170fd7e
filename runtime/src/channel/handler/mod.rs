//! What a user's handlers are and what runs them: the [`Channel`] and
//! [`SocketHandler`] traits and what they return, the [`Socket`] a joined
//! channel is given, the task that runs each joined channel (`joined.rs`)
//! and the routes that pick its type for a topic (`route.rs`).
//!
//! Everything public here is exported from [`channel`](crate::channel).

pub(crate) mod joined;
pub(crate) mod route;
mod socket;
mod tracking;
mod traits;

pub use socket::{Assigns, PushError, Pusher, Socket};
pub use traits::{
    Channel, ConnectError, ConnectInfo, ConnectParams, IntoJoin, IntoOutgoing, IntoReply,
    JoinError, LeaveReason, Outgoing, Payload, Reply, SocketHandler,
};
// What `#[traced_channel]`'s generated `Channel` impl calls, through
// `tracewire::__private`.
pub use traits::{decode, reject_params, reject_payload, reject_unknown_event};
