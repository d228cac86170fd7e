//! One client connection, over either transport (a WebSocket, or a
//! LongPoll session): its reader (decoding and dispatching client frames),
//! its writer, and the bounded queues between them and the connection's
//! channels.
//!
//! ```text
//!  client ──frames──▶ reader ──ChannelMsg──▶ channel task (one per topic) ──┐
//!                       │  heartbeat, errors                                 │ replies, pushes
//!                       └───────────────────▶ Outbound queue ◀───────────────┘
//!  PubSub broadcasts ─────────────────────▶ (bytes-bounded)  ──▶ writer ──▶ client
//! ```
//!
//! Memory per connection is bounded in both directions:
//!
//! - *inbound*: client messages waiting for their channel hold a share of an
//!   inbound budget (four times the frame limit); when it is used up the
//!   reader waits, so a client that sends faster than its channels handle is
//!   slowed down by TCP backpressure, never buffered without bound;
//! - *outbound*: frames waiting for the writer hold a share of the outbound
//!   buffer ([`Server::outbound_buffer`](crate::channel::Server::outbound_buffer)).
//!   Nothing that fills it waits (a broadcast must not stall on one slow
//!   client): a connection whose buffer is full is closed with code 1013 and
//!   a reason, and the client (the `phoenix` client reconnects by itself)
//!   rejoins.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use axum::extract::ws::Message;
use futures_util::{Sink, Stream, StreamExt as _};
use opentelemetry::Context;
use serde_json::{Value, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::limits::{Limit, RateBucket};
use super::server_core::{Core, stopped};
use crate::carrier::{JSON_KEY, JsonCarrier, RemoteParent, TrustPolicy};
use crate::channel::cluster::pubsub;
use crate::channel::handler::joined::{ChannelStart, Down};
use crate::channel::handler::{Assigns, LeaveReason, Socket};
use crate::channel::wire::inbox::{ChannelMsg, ClientEvent};
use crate::channel::wire::outbound::{
    CLOSE_TIMEOUT, CloseReason, ENTRY_OVERHEAD, Outbound, closed, write_loop,
};
use crate::channel::wire::protocol::{self, Incoming, Malformed, RawRef};
use crate::span::LinkTo;

/// How long a closing connection waits for its channels' `terminate`.
const TERMINATE_TIMEOUT: Duration = Duration::from_secs(5);

/// What an accepted connection starts with.
pub(crate) struct Accepted {
    pub(crate) core: Arc<Core>,
    pub(crate) socket_id: Option<Arc<str>>,
    pub(crate) assigns: Assigns,
    /// The connection's place under the connection limit, held until it
    /// closes.
    pub(crate) slot: OwnedSemaphorePermit,
    /// How long the connection may stay silent: the server's idle timeout
    /// for a WebSocket, the session timeout for LongPoll.
    pub(crate) idle_timeout: Duration,
}

/// Serves one connection over any transport until it closes: `stream`
/// yields what the client sends (a LongPoll session yields a `Ping` for
/// each poll, which keeps it from going idle), `sink` takes what the
/// server sends.
pub(crate) async fn run<W, R>(sink: W, stream: R, accepted: Accepted)
where
    W: Sink<Message> + Unpin + Send + 'static,
    R: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let core = accepted.core.clone();
    core.connections.send_modify(|n| *n += 1);
    let _counted = Counted {
        core: core.clone(),
        slot: Some(accepted.slot),
    };

    let (outbound, frames) = Outbound::new(core.config.outbound_buffer);
    let writer = tokio::spawn(write_loop(sink, frames, outbound.clone()));
    let (down_tx, down_rx) = mpsc::unbounded_channel();
    let rate = core
        .config
        .message_rate
        .map(|rate| RateBucket::new(rate, std::time::Instant::now()));
    let mut connection = Connection {
        rate,
        inbound: Arc::new(Semaphore::new(core.config.inbound_budget())),
        core,
        socket_id: accepted.socket_id,
        assigns: accepted.assigns,
        idle_timeout: accepted.idle_timeout,
        outbound: outbound.clone(),
        channels: HashMap::new(),
        down_tx,
        down_rx,
    };
    let (reason, close) = connection.serve(stream).await;
    connection.stop_channels(reason).await;
    outbound.close(close);
    // The first reason given wins: the one the client is told.
    if let Some(limit) = outbound
        .closing
        .borrow()
        .as_ref()
        .and_then(Limit::closed_by)
    {
        limit.hit();
    }
    // The writer sends the close frame (bounded by CLOSE_TIMEOUT) and ends;
    // a writer stuck on a dead peer is not worth waiting for longer.
    let _ = tokio::time::timeout(CLOSE_TIMEOUT * 2, writer).await;
}

/// Counts a live connection for the server's graceful shutdown, and holds
/// its place under the connection limit.
struct Counted {
    core: Arc<Core>,
    slot: Option<OwnedSemaphorePermit>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        // The place first: once the count says a connection has gone, a
        // new one can take its place.
        drop(self.slot.take());
        self.core.connections.send_modify(|n| *n -= 1);
    }
}

/// A channel this connection has joined (or is joining).
struct JoinedEntry {
    id: u64,
    join_ref: RawRef,
    inbox: mpsc::UnboundedSender<ChannelMsg>,
    stop: Option<oneshot::Sender<LeaveReason>>,
    task: JoinHandle<()>,
}

impl JoinedEntry {
    fn stop(&mut self, reason: LeaveReason) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(reason);
        }
    }
}

struct Connection {
    core: Arc<Core>,
    socket_id: Option<Arc<str>>,
    assigns: Assigns,
    idle_timeout: Duration,
    outbound: Arc<Outbound>,
    inbound: Arc<Semaphore>,
    /// The socket's message allowance, when the server limits its rate.
    rate: Option<RateBucket>,
    channels: HashMap<Arc<str>, JoinedEntry>,
    down_tx: mpsc::UnboundedSender<Down>,
    down_rx: mpsc::UnboundedReceiver<Down>,
}

impl Connection {
    /// Reads until the connection ends; says why, for the channels and for
    /// the close frame.
    async fn serve<R>(&mut self, mut stream: R) -> (LeaveReason, CloseReason)
    where
        R: Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        let mut shutdown = self.core.shutdown.clone();
        let mut closing = self.outbound.closing.subscribe();
        let idle_timeout = self.idle_timeout;
        let idle = tokio::time::sleep(idle_timeout);
        tokio::pin!(idle);
        loop {
            tokio::select! {
                biased;
                () = stopped(&mut shutdown) => {
                    return (LeaveReason::Shutdown, CloseReason::SHUTDOWN);
                }
                _ = closed(&mut closing) => {
                    return (LeaveReason::Closed, CloseReason::NORMAL);
                }
                Some(down) = self.down_rx.recv() => {
                    if self.channels.get(&down.topic).is_some_and(|e| e.id == down.id) {
                        self.channels.remove(&down.topic);
                    }
                }
                () = &mut idle => {
                    return (LeaveReason::Closed, CloseReason::IDLE);
                }
                frame = stream.next() => {
                    idle.as_mut().reset(Instant::now() + idle_timeout);
                    match frame {
                        None | Some(Ok(Message::Close(_))) => {
                            return (LeaveReason::Closed, CloseReason::NORMAL);
                        }
                        Some(Err(error)) => {
                            let reason = CloseReason::read_error(
                                &error,
                                self.core.config.max_frame_size,
                            );
                            return (LeaveReason::Closed, reason);
                        }
                        Some(Ok(Message::Text(text))) => {
                            let cost = text.len();
                            match protocol::decode_text(text.as_str()) {
                                // Boxed: the dispatch's state would otherwise
                                // sit in every idle connection's task.
                                Ok(message) => Box::pin(self.dispatch(message, cost)).await,
                                Err(malformed) => self.reject(&malformed),
                            }
                        }
                        Some(Ok(Message::Binary(bytes))) => {
                            self.reject(&protocol::reject_binary(&bytes));
                        }
                        // tungstenite answers pings itself.
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    }
                }
            }
        }
    }

    /// Answers a frame that is not a V2 message: an error reply where it
    /// named a `ref` and a `topic` (one within the topic limit, since the
    /// reply repeats it), else `phx_error` on the `phoenix` topic.
    fn reject(&self, malformed: &Malformed) {
        let max_topic = self.core.config.max_topic_length;
        let address = malformed.address.as_ref().filter(|address| {
            let fits = address.topic.len() <= max_topic;
            if !fits {
                Limit::TopicLength.hit();
            }
            fits
        });
        let text = match address {
            Some(address) => protocol::reply(
                &address.join_ref,
                &address.msg_ref,
                &protocol::json_string(&address.topic),
                "error",
                &malformed.response(),
            ),
            None => protocol::frame(
                "null",
                "null",
                &protocol::json_string(protocol::PHOENIX_TOPIC),
                protocol::PHX_ERROR,
                &malformed.response().to_string(),
            ),
        };
        let _ = self.outbound.send(text);
    }

    fn reply(&self, join_ref: &RawRef, msg: &Incoming, status: &str, response: &Value) {
        let topic = protocol::json_string(&msg.topic);
        let text = protocol::reply(join_ref, &msg.msg_ref, &topic, status, response);
        let _ = self.outbound.send(text);
    }

    /// Phoenix's answer to a message for a topic with no channel.
    fn reply_unmatched(&self, msg: &Incoming) {
        let response = json!({ "reason": protocol::UNMATCHED_TOPIC });
        self.reply(&RawRef::null(), msg, "error", &response);
    }

    /// Answers a message over a limit of the server, without handling it;
    /// `false` if it is within every limit. The answers never repeat the
    /// value that was too long.
    fn over_limit(&mut self, msg: &Incoming) -> bool {
        let config = &self.core.config;
        let (limit, reason, details) = if msg.topic.len() > config.max_topic_length {
            let details = format!("the limit is {} bytes", config.max_topic_length);
            (Limit::TopicLength, "topic too long", details)
        } else if msg.event.len() > config.max_event_length {
            let details = format!("the limit is {} bytes", config.max_event_length);
            (Limit::EventLength, "event name too long", details)
        } else if msg.topic != protocol::PHOENIX_TOPIC
            && let Some(rate) = &mut self.rate
            && !rate.take(std::time::Instant::now())
        {
            let per_second = config.message_rate.map_or(0, |r| r.per_second);
            let details = format!("the limit is {per_second} messages a second");
            (Limit::MessageRate, "rate limit exceeded", details)
        } else {
            return false;
        };
        limit.hit();
        let response = json!({ "reason": reason, "details": details });
        // A topic too long to repeat: the socket itself answers, on the
        // `phoenix` topic, to the message's `ref`.
        let topic = if limit == Limit::TopicLength {
            protocol::PHOENIX_TOPIC
        } else {
            msg.topic.as_str()
        };
        let text = protocol::reply(
            &msg.join_ref,
            &msg.msg_ref,
            &protocol::json_string(topic),
            "error",
            &response,
        );
        let _ = self.outbound.send(text);
        true
    }

    async fn dispatch(&mut self, mut msg: Incoming, cost: usize) {
        if self.over_limit(&msg) {
            return;
        }
        if msg.topic == protocol::PHOENIX_TOPIC && msg.event == protocol::HEARTBEAT {
            self.reply(&RawRef::null(), &msg, "ok", &json!({}));
            return;
        }
        match msg.event.as_str() {
            protocol::PHX_JOIN => self.join(msg, cost).await,
            protocol::PHX_LEAVE => match self.channels.get(msg.topic.as_str()) {
                // As Phoenix: a leave for another (older) join of the topic
                // raced the server closing that join, and gets no answer.
                Some(entry) if entry.join_ref != msg.join_ref && !entry.join_ref.is_null() => {}
                Some(entry) => {
                    let leave = ChannelMsg::Leave {
                        msg_ref: msg.msg_ref.clone(),
                    };
                    if entry.inbox.send(leave).is_err() {
                        self.reply(&msg.join_ref, &msg, "ok", &json!({}));
                    }
                }
                None => self.reply(&msg.join_ref, &msg, "ok", &json!({})),
            },
            _ => {
                if !self.channels.contains_key(msg.topic.as_str()) {
                    self.reply_unmatched(&msg);
                    return;
                }
                let cx = incoming_context(&mut msg.payload, self.core.config.trust_policy);
                let Some(permit) = self.admit(cost).await else {
                    return;
                };
                let Some(entry) = self.channels.get(msg.topic.as_str()) else {
                    return self.reply_unmatched(&msg);
                };
                let event = ChannelMsg::Event(Box::new(ClientEvent {
                    msg_ref: msg.msg_ref.clone(),
                    event: std::mem::take(&mut msg.event),
                    payload: std::mem::take(&mut msg.payload),
                    cx,
                    _permit: permit,
                }));
                if entry.inbox.send(event).is_err() {
                    self.reply_unmatched(&msg);
                }
            }
        }
    }

    /// Waits for `bytes` of the inbound budget; `None` if the connection
    /// closes or the server stops meanwhile.
    async fn admit(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let capacity = self.core.config.inbound_budget();
        let cost =
            u32::try_from(bytes.saturating_add(ENTRY_OVERHEAD).min(capacity)).unwrap_or(u32::MAX);
        let mut closing = self.outbound.closing.subscribe();
        let mut shutdown = self.core.shutdown.clone();
        tokio::select! {
            permit = self.inbound.clone().acquire_many_owned(cost) => permit.ok(),
            _ = closed(&mut closing) => None,
            () = stopped(&mut shutdown) => None,
        }
    }

    async fn join(&mut self, mut msg: Incoming, cost: usize) {
        let Some(route) = self.core.route(&msg.topic) else {
            self.reply_unmatched(&msg);
            return;
        };
        let max_channels = self.core.config.max_channels;
        if !self.channels.contains_key(msg.topic.as_str()) && self.channels.len() >= max_channels {
            Limit::Channels.hit();
            let details = format!("the limit is {max_channels} channels per socket");
            let response = json!({ "reason": "too many channels", "details": details });
            self.reply(&msg.join_ref, &msg, "error", &response);
            return;
        }
        // A second join of a topic replaces the first channel, as in
        // Phoenix: it stops (terminate with `Rejoined`, `phx_close` to its
        // join_ref) before the new join runs.
        let previous = self.channels.remove(msg.topic.as_str()).map(|mut entry| {
            entry.stop(LeaveReason::Rejoined);
            entry.task
        });
        let cx = incoming_context(&mut msg.payload, self.core.config.trust_policy);
        let Some(permit) = self.admit(cost).await else {
            return;
        };
        let topic: Arc<str> = Arc::from(msg.topic.as_str());
        let id = pubsub::next_subscriber_id();
        let (inbox_tx, inbox) = mpsc::unbounded_channel();
        let (stop_tx, stop) = oneshot::channel();
        let socket = Socket {
            topic_json: Arc::from(protocol::json_string(&topic)),
            topic: topic.clone(),
            join_ref: msg.join_ref.clone(),
            subscriber: id,
            id: self.socket_id.clone(),
            assigns: self.assigns.clone(),
            outbound: self.outbound.clone(),
            pubsub: self.core.pubsub.clone(),
            presence: self.core.presence.clone(),
            open: Arc::new(AtomicBool::new(true)),
        };
        let start = ChannelStart {
            socket,
            msg_ref: msg.msg_ref.clone(),
            params: std::mem::take(&mut msg.payload),
            cx,
            previous,
            inbox,
            inbox_tx: inbox_tx.clone(),
            stop,
            down: self.down_tx.clone(),
            permit,
        };
        let task = route.spawn(start);
        self.channels.insert(
            topic,
            JoinedEntry {
                id,
                join_ref: msg.join_ref,
                inbox: inbox_tx,
                stop: Some(stop_tx),
                task,
            },
        );
    }

    /// Stops every channel with `reason` and waits (bounded) for their
    /// `terminate`.
    async fn stop_channels(&mut self, reason: LeaveReason) {
        let mut tasks = Vec::with_capacity(self.channels.len());
        for (_, mut entry) in self.channels.drain() {
            entry.stop(reason.clone());
            tasks.push(entry.task);
        }
        let all = async {
            for task in tasks {
                let _ = task.await;
            }
        };
        let _ = tokio::time::timeout(TERMINATE_TIMEOUT, all).await;
    }
}

/// Removes the trace context a client put in a payload (`trace_context`,
/// see [`crate::carrier`]) and applies the trust policy to it: the context
/// the handler then runs under. Without one, an empty context: each client
/// message starts its own trace.
pub(crate) fn incoming_context(payload: &mut Value, policy: TrustPolicy) -> Context {
    let Some(object) = payload.as_object_mut() else {
        return Context::new();
    };
    let Some(carried) = object.remove(JSON_KEY) else {
        return Context::new();
    };
    let Some(carrier) = carried.as_object() else {
        return Context::new();
    };
    match policy.apply(&JsonCarrier(carrier)) {
        RemoteParent::Parent(cx) => cx,
        RemoteParent::Link(span_context) => Context::new().with_value(LinkTo(span_context)),
        RemoteParent::None => Context::new(),
    }
}
