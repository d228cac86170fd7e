//! [`Presence::track`] and [`Presence::untrack`], the two methods of
//! [`Presence`] that take the [`Socket`] they track. They are written here,
//! beside `Socket`, rather than in `presence/`: a `Socket` hands out its
//! server's `Presence`, so `presence/` must not need `Socket` in turn. What
//! they do is Presence's ([`Presence::track_channel`]); this file only
//! says which channel.

use serde::Serialize;

use super::socket::Socket;
use crate::channel::presence::{Presence, PresenceError};

impl Presence {
    /// Tracks `socket`'s connection on its topic under `key`, with `meta`
    /// (a JSON object; `phx_ref` is added to it). The socket's client gets
    /// `presence_state`, every channel on the topic, on every node,
    /// `presence_diff` with the join.
    pub fn track(
        &self,
        socket: &Socket,
        key: impl Into<String>,
        meta: impl Serialize,
    ) -> Result<(), PresenceError> {
        let push_state = |event: &str, list: &serde_json::Value| {
            // A client already gone misses its list, as any push.
            let _ = socket.send_push(event, list);
        };
        self.track_channel(
            &socket.topic,
            socket.subscriber,
            key.into(),
            meta,
            push_state,
        )
    }

    /// Stops tracking `socket`'s connection under `key` on its topic; every
    /// channel on the topic, on every node, gets `presence_diff` with the
    /// leave. Returns whether it was tracked.
    pub fn untrack(&self, socket: &Socket, key: &str) -> bool {
        self.untrack_channel(socket.topic(), socket.subscriber, key)
    }
}
