//! A channel that tracks its connection in Presence: shared by the
//! Presence tests of `channel_traced` (one node, two in one process) and
//! `cluster` (two nodes through Redis).

use serde_json::{Value, json};
use tracewire::channel::{JoinError, Payload, Server, Socket};
use tracewire::prelude::*;

use super::TokenAuth;

/// Tracks the connection's `user` on join, with the `device` it names.
pub struct PresenceRoom {
    user: String,
}

#[traced_channel(topic = "presence:*")]
impl PresenceRoom {
    async fn join(params: Payload, socket: &mut Socket) -> Result<Self, JoinError> {
        let user: String = socket.get("user").ok_or("unauthorized")?;
        let device = params.get("device").cloned().unwrap_or(Value::Null);
        socket
            .presence()
            .track(socket, &user, json!({ "device": device }))
            .map_err(|e| JoinError::new(e.to_string()))?;
        Ok(PresenceRoom { user })
    }

    #[event("untrack")]
    fn untrack(&mut self, socket: &mut Socket) -> Result<bool, ()> {
        Ok(socket.presence().untrack(socket, &self.user))
    }

    #[event("list")]
    fn list(&mut self, socket: &mut Socket) -> Result<Value, ()> {
        Ok(socket.presence().list(socket.topic()))
    }

    /// Tracks again, under `key` with `meta`: refused for the user's own
    /// key (already tracked) and for a meta that is not an object.
    #[event("track")]
    fn track(&mut self, payload: Payload, socket: &mut Socket) -> Result<(), String> {
        let key = payload["key"].as_str().unwrap_or_default();
        socket
            .presence()
            .track(socket, key, &payload["meta"])
            .map_err(|e| e.to_string())
    }
}

/// `presence:*` to [`PresenceRoom`].
pub fn server() -> Server<TokenAuth> {
    Server::new(TokenAuth).channel::<PresenceRoom>("presence:*")
}
