//! The WebSocket transport at `{path}/websocket`: the upgrade, with
//! tungstenite's buffers and frame limits set explicitly, then the
//! connection over the upgraded socket.

use std::sync::Arc;

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;

use super::connection::{self, Accepted};
use super::endpoint::Endpoint;
use super::handshake::{WEBSOCKET, authenticate};
use crate::channel::handler::{ConnectParams, SocketHandler};

/// Bytes tungstenite reads from a connection at a time. Its read buffer is
/// allocated (and zeroed) whole for every connection and kept while it
/// lives, so it is most of what an idle connection costs: tungstenite's
/// default, 128 KiB, made an idle connection cost about 150 KiB. A larger
/// frame grows the buffer to its size while it is read; only many small
/// frames sent back to back take more reads.
const READ_BUFFER_SIZE: usize = 2 * 1024;
/// Frames are gathered up to this many bytes before they are written (the
/// writer also flushes whenever its queue is empty). The buffer keeps the
/// capacity it reaches, so a small one keeps a connection that once had a
/// burst of frames small too.
const WRITE_BUFFER_SIZE: usize = 1024;

/// `GET {path}/websocket`: `socket.connect`, then the upgrade.
pub(crate) async fn upgrade<S: SocketHandler>(
    State(endpoint): State<Arc<Endpoint<S>>>,
    upgrade: WebSocketUpgrade,
    Query(params): Query<ConnectParams>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    let core = endpoint.core.clone();
    let accepted = match authenticate(&endpoint, &params, &headers, &extensions, WEBSOCKET).await {
        Ok(accepted) => accepted,
        Err(refused) => return (refused.status, refused.body).into_response(),
    };
    upgrade
        .read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        // What waits to be written is bounded by the outbound queue
        // (`Server::outbound_buffer`), before it reaches tungstenite.
        .max_write_buffer_size(usize::MAX)
        .max_message_size(core.config.max_frame_size)
        .max_frame_size(core.config.max_frame_size)
        .on_upgrade(move |ws| run(ws, accepted))
}

/// Serves one upgraded connection until it closes.
async fn run(ws: WebSocket, accepted: Accepted) {
    let (sink, stream) = ws.split();
    connection::run(sink, stream, accepted).await;
}
