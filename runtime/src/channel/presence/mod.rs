//! Who is on each topic: [`Presence`], Phoenix.Presence for tracewire
//! channels, pushed to clients as `presence_state` and `presence_diff` and
//! kept the same on every node of a cluster.
//!
//! - `handle.rs`: [`Presence`], this node's presences and the changes to
//!   them, with their spans;
//! - `state.rs`: the presences themselves and the payloads built from them;
//! - `tracker.rs`: the replication across nodes, as Phoenix.Tracker does it.
//!
//! [`Presence::track`] and [`Presence::untrack`] take the
//! [`Socket`](crate::channel::Socket) they track, so they are written beside
//! it (`handler/tracking.rs`): this folder needs nothing of sockets.

mod handle;
mod state;
mod tracker;

pub use handle::{DEFAULT_PRESENCE_PERIOD, Presence, PresenceError};
