//! How clients reach a server: the WebSocket and LongPoll transports, the
//! handshake both go through, the connection that runs over either, and
//! the limits each connection is held to.
//!
//! - `listen.rs`: the accept loop of [`Server::serve`](crate::channel::Server::serve),
//!   with the handshake timeout;
//! - `routes.rs`: the axum routes, `{path}/websocket` and `{path}/longpoll`,
//!   and `endpoint.rs`, the state their handlers share;
//! - `handshake.rs`: the `socket.connect` span, the protocol version, the
//!   [`OriginCheck`], the connection limit and `SocketHandler::connect`;
//! - `websocket.rs`: the upgrade, with its buffers set explicitly;
//! - `longpoll.rs`, `longpoll_session.rs`, `longpoll_relay.rs`: the
//!   LongPoll requests, its sessions, and requests relayed to the node
//!   that holds their session;
//! - `connection.rs`: one client connection over either transport, its
//!   reader dispatching to the joined channels, and its writer;
//! - `limits.rs`: the limits and their defaults (below), `server_core.rs`:
//!   what every connection of a server shares.
//!
//! The defaults are what [`Server`](crate::channel::Server) uses for each
//! limit it is not given; the [limits table](crate::channel#limits) says
//! what a hit gets.

mod connection;
mod endpoint;
mod handshake;
pub(crate) mod limits;
pub(crate) mod listen;
mod longpoll;
mod longpoll_relay;
mod longpoll_session;
mod origin;
pub(crate) mod routes;
pub(crate) mod server_core;
mod websocket;

pub use limits::{
    DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_LONGPOLL_SESSION_TIMEOUT,
    DEFAULT_LONGPOLL_WINDOW, DEFAULT_MAX_CHANNELS, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_LENGTH, DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_TOPIC_LENGTH,
    DEFAULT_OUTBOUND_BUFFER,
};
pub use origin::OriginCheck;
