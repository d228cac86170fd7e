//! The LongPoll transport at `{path}/longpoll`, as the `phoenix`
//! JavaScript client's `LongPoll` class speaks it (Phoenix.Transports.LongPoll):
//!
//! | request | answer (always HTTP 200 with a JSON body, as Phoenix) |
//! | --- | --- |
//! | `GET` without a session token (or with one no session has) | `socket.connect` as for a WebSocket; `{"status": 410, "token": T}` (a new session), or `{"status": 403}` when refused |
//! | `GET ?token=T` | waits up to the [window](crate::channel::Server::longpoll_window) for frames: `{"status": 200, "token": T, "messages": [frame, ..]}`, or `{"status": 204, "token": T}` (at once when a newer poll of the session replaces it); `{"status": 410}` once the session is gone |
//! | `POST ?token=T`, body: frames, one per line (`application/x-ndjson`) | each frame handled as a WebSocket text frame; `{"status": 200}`; `{"status": 410}` for a session that is gone |
//! | `OPTIONS` (a browser's CORS preflight) | HTTP 200 with the `access-control-allow-*` headers |
//!
//! The token may come in the `x-phoenix-longpoll-token` header instead
//! (newer clients send it there). Every answer carries
//! `access-control-allow-origin: *` and `cache-control: no-store`, as
//! Phoenix's: the origin check, not CORS, is what keeps other sites out.
//!
//! A request for a session of another node of the cluster is relayed to it
//! (`longpoll_relay.rs`); the sessions themselves are `longpoll_session.rs`'s.
//!
//! Refusals: a body over [`Server::max_frame_size`](crate::channel::Server::max_frame_size)
//! is answered HTTP 413 (counted as `frame_size`); a body that is not
//! UTF-8, or a frame that is not JSON, HTTP 400 with nothing of it
//! handled; any other method, 405. Every request passes the origin check
//! (`{"status": 403}`).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::endpoint::Endpoint;
use super::handshake::{LONGPOLL, authenticate, check_origin};
use super::limits::Limit;
use super::longpoll_relay as relay;
use super::longpoll_session::{
    Session, Sessions, open_session, poll_session, publish_frames, token_node, valid_frame,
};
use super::server_core::Core;
use crate::channel::handler::{ConnectParams, SocketHandler};

/// The header newer `phoenix` clients send their session token in.
const TOKEN_HEADER: &str = "x-phoenix-longpoll-token";

/// Where a request's session is.
enum Target {
    Here(Arc<Session>),
    /// On another node of the cluster: the request is relayed there.
    There(String),
    /// It has ended, or never was.
    Gone,
    /// No session token: a first poll.
    None,
}

fn target(core: &Core, sessions: &Sessions, token: &str) -> Target {
    if let Some(session) = sessions.get(token) {
        return Target::Here(session);
    }
    match token_node(token) {
        Some(node) if node != &*core.node => Target::There(node.to_owned()),
        Some(_) => Target::Gone,
        None => Target::None,
    }
}

/// `GET {path}/longpoll`: a new session, or a poll of one.
pub(crate) async fn poll<S: SocketHandler>(
    State(endpoint): State<Arc<Endpoint<S>>>,
    Query(params): Query<ConnectParams>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    let core = &endpoint.core;
    let token = session_token(&headers, &params);
    let target = target(core, &endpoint.sessions, token);
    match target {
        // No session token (the first poll; a `token` here is the user's
        // own connect param): a new session.
        Target::None => return new_session(&endpoint, &params, &headers, &extensions).await,
        // A session that has ended: the client starts over, without the
        // token.
        Target::Gone => return status(StatusCode::GONE),
        Target::Here(_) | Target::There(_) => {}
    }
    if check_origin(core, &headers).is_err() {
        return status(StatusCode::FORBIDDEN);
    }
    let body = match target {
        Target::Here(session) => {
            let window = core.config.longpoll.window;
            poll_session(&session, token, window, core.shutdown.clone()).await
        }
        Target::There(node) => {
            let poll = json!({ "type": "poll", "token": token });
            relay::request(core, &endpoint.sessions, &node, poll).await
        }
        Target::Gone | Target::None => json!({ "status": 410 }),
    };
    json_status(body)
}

async fn new_session<S: SocketHandler>(
    endpoint: &Arc<Endpoint<S>>,
    params: &ConnectParams,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Response {
    let accepted = match authenticate(endpoint, params, headers, extensions, LONGPOLL).await {
        Ok(accepted) => accepted,
        Err(refused) => return status(refused.status),
    };
    let token = open_session(&endpoint.sessions, &endpoint.core.node, accepted);
    json_status(json!({ "status": 410, "token": &*token }))
}

/// `POST {path}/longpoll?token=T`: the client's frames, one per line.
pub(crate) async fn publish<S: SocketHandler>(
    State(endpoint): State<Arc<Endpoint<S>>>,
    Query(params): Query<ConnectParams>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if check_origin(&endpoint.core, &headers).is_err() {
        return status(StatusCode::FORBIDDEN);
    }
    let core = &endpoint.core;
    let token = session_token(&headers, &params);
    let target = target(core, &endpoint.sessions, token);
    if matches!(target, Target::Gone | Target::None) {
        return status(StatusCode::GONE);
    }
    let limit = core.config.max_frame_size;
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        Limit::FrameSize.hit();
        return http_status(StatusCode::PAYLOAD_TOO_LARGE);
    };
    let ndjson = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/x-ndjson"));
    let frames = match parse_body(&body, ndjson) {
        Ok(frames) => frames,
        Err(code) => return http_status(code),
    };
    let body = match target {
        Target::Here(session) => {
            publish_frames(&session, frames, core.config.longpoll.window).await
        }
        Target::There(node) => {
            let publish = json!({ "type": "publish", "token": token, "frames": frames });
            relay::request(core, &endpoint.sessions, &node, publish).await
        }
        Target::Gone | Target::None => json!({ "status": 410 }),
    };
    json_status(body)
}

/// The frames of a POST body: one per line for `application/x-ndjson`
/// (the `phoenix` client's batches), else the whole body. All or nothing:
/// a body that is not UTF-8, or with a frame that is not JSON, is refused
/// whole, before any of it is handled.
fn parse_body(body: &[u8], ndjson: bool) -> Result<Vec<String>, StatusCode> {
    let body = std::str::from_utf8(body).map_err(|_| StatusCode::BAD_REQUEST)?;
    let frames: Vec<&str> = if ndjson {
        body.split('\n')
            .map(|line| line.trim_end_matches('\r'))
            .filter(|line| !line.is_empty())
            .collect()
    } else {
        vec![body]
    };
    if !frames.iter().all(|frame| valid_frame(frame)) {
        return Err(StatusCode::BAD_REQUEST);
    }
    Ok(frames.into_iter().map(str::to_owned).collect())
}

/// `{"status": code}` in an HTTP 200, as Phoenix answers: the client reads
/// the status from the body.
fn status(code: StatusCode) -> Response {
    json_status(json!({ "status": code.as_u16() }))
}

/// A refusal the client need not read: the HTTP status says it, and the
/// body repeats it.
fn http_status(code: StatusCode) -> Response {
    let mut response = json_status(json!({ "status": code.as_u16() }));
    *response.status_mut() = code;
    response
}

/// Every answer is JSON, readable by a page of any origin (the origin
/// check has let the request in, and `*` never shares cookies) and never
/// cached, as Phoenix answers.
fn json_status(body: Value) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "application/json; charset=utf-8"),
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (headers, body.to_string()).into_response()
}

/// The session token: the `x-phoenix-longpoll-token` header newer clients
/// send, else the `token` query parameter.
fn session_token<'a>(headers: &'a HeaderMap, params: &'a ConnectParams) -> &'a str {
    headers
        .get(TOKEN_HEADER)
        .and_then(|token| token.to_str().ok())
        .or_else(|| params.get("token").map(String::as_str))
        .unwrap_or_default()
}

/// `OPTIONS {path}/longpoll`: a browser's CORS preflight (the client's
/// POST has a content type that needs one), from an origin the check
/// allows.
pub(crate) async fn preflight<S: SocketHandler>(
    State(endpoint): State<Arc<Endpoint<S>>>,
    headers: HeaderMap,
) -> Response {
    if check_origin(&endpoint.core, &headers).is_err() {
        return status(StatusCode::FORBIDDEN);
    }
    let requested = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or(header::HeaderValue::from_static(""));
    let mut response = json_status(json!({ "status": 200 }));
    let answer = response.headers_mut();
    answer.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, requested);
    answer.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        header::HeaderValue::from_static("get, post, options"),
    );
    answer.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        header::HeaderValue::from_static("3600"),
    );
    response
}
