//! The LongPoll transport at `{path}/longpoll`, as the `phoenix`
//! JavaScript client's `LongPoll` class speaks it (Phoenix.Transports.LongPoll):
//!
//! | request | answer (always HTTP 200 with a JSON body, as Phoenix) |
//! | --- | --- |
//! | `GET` without a session token (or with one no session has) | `socket.connect` as for a WebSocket; `{"status": 410, "token": T}` (a new session), or `{"status": 403}` when refused |
//! | `GET ?token=T` | waits up to the [window](super::Server::longpoll_window) for frames: `{"status": 200, "token": T, "messages": [frame, ..]}`, or `{"status": 204, "token": T}` (at once when a newer poll of the session replaces it); `{"status": 410}` once the session is gone |
//! | `POST ?token=T`, body: frames, one per line (`application/x-ndjson`) | each frame handled as a WebSocket text frame; `{"status": 200}`; `{"status": 410}` for a session that is gone |
//! | `OPTIONS` (a browser's CORS preflight) | HTTP 200 with the `access-control-allow-*` headers |
//!
//! The token may come in the `x-phoenix-longpoll-token` header instead
//! (newer clients send it there). Every answer carries
//! `access-control-allow-origin: *` and `cache-control: no-store`, as
//! Phoenix's: the origin check, not CORS, is what keeps other sites out.
//!
//! A request for a session of another node of the cluster is relayed to it
//! (`longpoll_relay.rs`).
//!
//! A session is a connection (`connection.rs`, the same joining, handling,
//! limits and spans as a WebSocket) whose transport is a queue that polls
//! drain. It ends, like a WebSocket, on the server's shutdown, when its
//! client is too slow (its outbound buffer fills), or when no request has
//! come for the [session timeout](super::Server::longpoll_session_timeout).
//!
//! Refusals: a body over [`Server::max_frame_size`](super::Server::max_frame_size)
//! is answered HTTP 413 (counted as `frame_size`); a body that is not
//! UTF-8, or a frame that is not JSON, HTTP 400 with nothing of it
//! handled; any other method, 405. Every request passes the origin check
//! (`{"status": 403}`).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ws::Message;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::Sink;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc, watch};

use super::connection;
use super::handler::{ConnectParams, SocketHandler};
use super::limits::Limit;
use super::longpoll_relay::{self as relay, Relayed};
use super::server::{Endpoint, LONGPOLL, authenticate, check_origin};
use super::server_core::{Core, stopped};

/// The default [`Server::longpoll_window`](super::Server::longpoll_window):
/// Phoenix's 10 seconds.
pub const DEFAULT_LONGPOLL_WINDOW: Duration = Duration::from_secs(10);
/// The default
/// [`Server::longpoll_session_timeout`](super::Server::longpoll_session_timeout):
/// 20 seconds, two windows.
pub const DEFAULT_LONGPOLL_SESSION_TIMEOUT: Duration = Duration::from_secs(20);

/// The header newer `phoenix` clients send their session token in.
const TOKEN_HEADER: &str = "x-phoenix-longpoll-token";

/// Bytes of frames a session gathers for its next poll before the writer
/// waits (and frames wait in the outbound buffer, which bounds them).
const POLL_BATCH_BYTES: usize = 256 * 1024;
/// Client frames of a POST waiting for the connection's reader.
const INBOUND_FRAMES: usize = 128;

/// The LongPoll settings of a server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LongPollConfig {
    pub(crate) window: Duration,
    pub(crate) session_timeout: Duration,
}

impl Default for LongPollConfig {
    fn default() -> Self {
        LongPollConfig {
            window: DEFAULT_LONGPOLL_WINDOW,
            session_timeout: DEFAULT_LONGPOLL_SESSION_TIMEOUT,
        }
    }
}

/// The sessions of one server, by token, and the requests it has relayed
/// to other nodes' sessions.
#[derive(Default)]
pub(crate) struct Sessions {
    by_token: Mutex<HashMap<Arc<str>, Arc<Session>>>,
    pub(crate) relayed: Relayed,
}

impl Sessions {
    pub(crate) fn get(&self, token: &str) -> Option<Arc<Session>> {
        self.lock().get(token).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, Arc<Session>>> {
        self.by_token.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One session: what its client sends goes to `inbound`, what it is sent
/// waits in `queue` for a poll.
pub(crate) struct Session {
    inbound: mpsc::Sender<Result<Message, axum::Error>>,
    queue: Arc<PollQueue>,
    /// The number of the latest poll: one poll at a time drains the queue,
    /// and a newer one replaces a poll still waiting (whose client has
    /// given up on it: the `phoenix` client has one poll at a time).
    polls: AtomicU64,
}

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

/// A poll of `session`: its frames as soon as there are any, `204` after
/// `window` without, `410` once it has ended.
pub(crate) async fn poll_session(
    session: &Session,
    token: &str,
    window: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> Value {
    let this_poll = session.polls.fetch_add(1, Ordering::SeqCst) + 1;
    // A poll still waiting answers now, with nothing.
    session.queue.ready.notify_waiters();
    // Any request keeps the session from timing out.
    let _ = session
        .inbound
        .try_send(Ok(Message::Ping(Default::default())));
    let window = tokio::time::sleep(window);
    tokio::pin!(window);
    loop {
        let ready = session.queue.ready.notified();
        if session.polls.load(Ordering::SeqCst) != this_poll {
            break;
        }
        let (frames, closed) = session.queue.take();
        if !frames.is_empty() {
            let messages: Vec<Value> = frames.into_iter().map(Value::String).collect();
            return json!({ "status": 200, "token": token, "messages": messages });
        }
        if closed {
            return json!({ "status": 410 });
        }
        tokio::select! {
            () = ready => {}
            () = &mut window => break,
            () = stopped(&mut shutdown) => return json!({ "status": 410 }),
        }
    }
    let _ = session
        .inbound
        .try_send(Ok(Message::Ping(Default::default())));
    json!({ "status": 204, "token": token })
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
    let token: Arc<str> = Arc::from(new_token(&endpoint.core.node).as_str());
    let (inbound, frames) = mpsc::channel(INBOUND_FRAMES);
    let queue = Arc::new(PollQueue::default());
    let session = Arc::new(Session {
        inbound,
        queue: queue.clone(),
        polls: AtomicU64::new(0),
    });
    endpoint.sessions.lock().insert(token.clone(), session);
    let ended = endpoint.clone();
    let ended_token = token.clone();
    tokio::spawn(async move {
        let stream = futures_util::stream::unfold(frames, |mut frames| async move {
            frames.recv().await.map(|frame| (frame, frames))
        });
        connection::run_transport(PollSink(queue), Box::pin(stream), accepted).await;
        ended.sessions.lock().remove(&ended_token);
    });
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

/// Whether a frame a client POSTed is JSON (what it says is the
/// connection's to judge, as for a WebSocket frame).
pub(crate) fn valid_frame(frame: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(frame).is_ok()
}

/// Hands `frames` to the session's connection, in order (waiting, up to
/// `window` each, while its reader catches up).
pub(crate) async fn publish_frames(
    session: &Session,
    frames: Vec<String>,
    window: Duration,
) -> Value {
    for frame in frames {
        let sent = session
            .inbound
            .send_timeout(Ok(Message::Text(frame.into())), window)
            .await;
        if sent.is_err() {
            return json!({ "status": 410 });
        }
    }
    json!({ "status": 200 })
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

/// A new session token: the node's name and 128 random bits (the id
/// generator's thread-local CSPRNG). Whoever has it owns the session, as
/// with Phoenix's signed token; it is never recorded.
fn new_token(node: &str) -> String {
    use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
    format!("{node}.{}", RandomIdGenerator::default().new_trace_id())
}

/// The node a session token names, if `token` has a session token's
/// shape: `{node}.{32 hex digits}`.
fn token_node(token: &str) -> Option<&str> {
    let (node, id) = token.rsplit_once('.')?;
    let hex = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    (hex && !node.is_empty()).then_some(node)
}

/// What a session's client has been sent and not yet polled.
#[derive(Default)]
struct PollQueue {
    state: Mutex<QueueState>,
    /// Wakes the waiting poll.
    ready: Notify,
}

#[derive(Default)]
struct QueueState {
    frames: Vec<String>,
    bytes: usize,
    closed: bool,
    /// The writer, waiting for a poll to make room.
    writer: Option<Waker>,
}

impl PollQueue {
    /// Takes every queued frame, and whether the session has ended.
    fn take(&self) -> (Vec<String>, bool) {
        let mut state = self.lock();
        let frames = std::mem::take(&mut state.frames);
        state.bytes = 0;
        if let Some(writer) = state.writer.take() {
            writer.wake();
        }
        (frames, state.closed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The connection's writer writes into the poll queue.
struct PollSink(Arc<PollQueue>);

/// A writer that stops without a close frame ends the session too.
impl Drop for PollSink {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.ready.notify_one();
    }
}

/// The session has ended.
#[derive(Debug)]
struct SessionGone;

impl Sink<Message> for PollSink {
    type Error = SessionGone;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Result<(), SessionGone>> {
        let mut state = self.0.lock();
        if state.closed {
            return Poll::Ready(Err(SessionGone));
        }
        // A frame larger than the batch still goes, alone.
        if state.bytes < POLL_BATCH_BYTES || state.frames.is_empty() {
            return Poll::Ready(Ok(()));
        }
        state.writer = Some(cx.waker().clone());
        Poll::Pending
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), SessionGone> {
        let mut state = self.0.lock();
        match message {
            Message::Text(text) => {
                state.bytes += text.len();
                state.frames.push(text.as_str().to_owned());
            }
            Message::Close(_) => state.closed = true,
            Message::Binary(_) | Message::Ping(_) | Message::Pong(_) => {}
        }
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<Result<(), SessionGone>> {
        self.0.ready.notify_one();
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<Result<(), SessionGone>> {
        self.0.lock().closed = true;
        self.0.ready.notify_one();
        Poll::Ready(Ok(()))
    }
}
