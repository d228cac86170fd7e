//! LongPoll sessions: each a connection (`connection.rs`, the same
//! joining, handling, limits and spans as a WebSocket) whose transport is a
//! queue that polls drain. A session ends, like a WebSocket, on the
//! server's shutdown, when its client is too slow (its outbound buffer
//! fills), or when no request has come for the [session
//! timeout](crate::channel::Server::longpoll_session_timeout).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::Sink;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc, watch};

use super::connection::{self, Accepted};
use super::longpoll_relay::Relayed;
use super::server_core::stopped;

/// Bytes of frames a session gathers for its next poll before the writer
/// waits (and frames wait in the outbound buffer, which bounds them).
const POLL_BATCH_BYTES: usize = 256 * 1024;
/// Client frames of a POST waiting for the connection's reader.
const INBOUND_FRAMES: usize = 128;

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

/// Opens a session for an accepted connection, and serves the connection
/// in a task of its own; the session ends with it. Returns its token.
pub(crate) fn open_session(sessions: &Arc<Sessions>, node: &str, accepted: Accepted) -> Arc<str> {
    let token: Arc<str> = Arc::from(new_token(node).as_str());
    let (inbound, frames) = mpsc::channel(INBOUND_FRAMES);
    let queue = Arc::new(PollQueue::default());
    let session = Arc::new(Session {
        inbound,
        queue: queue.clone(),
        polls: AtomicU64::new(0),
    });
    sessions.lock().insert(token.clone(), session);
    let ended = sessions.clone();
    let ended_token = token.clone();
    tokio::spawn(async move {
        let stream = futures_util::stream::unfold(frames, |mut frames| async move {
            frames.recv().await.map(|frame| (frame, frames))
        });
        connection::run(PollSink(queue), Box::pin(stream), accepted).await;
        ended.lock().remove(&ended_token);
    });
    token
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

/// A new session token: the node's name and 128 random bits (the id
/// generator's thread-local CSPRNG). Whoever has it owns the session, as
/// with Phoenix's signed token; it is never recorded.
fn new_token(node: &str) -> String {
    use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
    format!("{node}.{}", RandomIdGenerator::default().new_trace_id())
}

/// The node a session token names, if `token` has a session token's
/// shape: `{node}.{32 hex digits}`.
pub(crate) fn token_node(token: &str) -> Option<&str> {
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
