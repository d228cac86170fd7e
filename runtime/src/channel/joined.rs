//! One joined channel: a task per (connection, topic), like Phoenix's
//! channel process, owning the [`Channel`] value and its [`Socket`].
//!
//! The task runs `join`, then handles its mailbox in order (client events,
//! the client's leave, intercepted broadcasts) until the channel stops, and
//! then `terminate`. A panic in any handler stops only this channel: its
//! `terminate` runs with [`LeaveReason::Crashed`], the client gets
//! `phx_error` on the topic, and the connection and its other channels carry
//! on.
//!
//! Every handler runs under a context chosen here, never the task's:
//! `join` and `handle_in` under the client's trace context as the trust
//! policy allows (else empty), `handle_out` under a context linking to the
//! broadcast span, and `terminate` under an empty one.

use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::FutureExt as _;
use opentelemetry::Context;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::SpanContext;
use serde_json::{Value, json};
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::Socket;
use super::handler::{Channel, LeaveReason, Outgoing};
use super::protocol::{self, RawRef};
use super::pubsub::{Broadcast, Subscriber};
use crate::actor::panic_message;
use crate::span::LinkTo;

/// What a channel's task receives, in order.
pub(crate) enum ChannelMsg {
    /// A client event for `handle_in`.
    Event {
        msg_ref: RawRef,
        event: String,
        payload: Value,
        /// The context `handle_in` runs under (see the trust policy).
        cx: Context,
        _permit: OwnedSemaphorePermit,
    },
    /// The client's `phx_leave`.
    Leave { msg_ref: RawRef },
    /// A broadcast of an event this channel intercepts.
    Broadcast {
        message: Arc<Broadcast>,
        _permit: OwnedSemaphorePermit,
    },
}

/// A channel task has ended; the connection forgets the topic unless it has
/// been joined again since.
pub(crate) struct Down {
    pub(crate) topic: Arc<str>,
    pub(crate) id: u64,
}

/// Everything a channel task starts with.
pub(crate) struct ChannelStart {
    pub(crate) socket: Socket,
    /// The `ref` of the `phx_join`, for its reply.
    pub(crate) msg_ref: RawRef,
    pub(crate) params: Value,
    pub(crate) cx: Context,
    /// The channel this join replaces, which must have stopped first.
    pub(crate) previous: Option<JoinHandle<()>>,
    pub(crate) mailbox: mpsc::UnboundedReceiver<ChannelMsg>,
    pub(crate) mailbox_tx: mpsc::UnboundedSender<ChannelMsg>,
    pub(crate) stop: oneshot::Receiver<LeaveReason>,
    pub(crate) down: mpsc::UnboundedSender<Down>,
    /// The join message's share of the inbound budget.
    pub(crate) permit: OwnedSemaphorePermit,
}

/// A topic pattern: `"room:*"` (a prefix) or an exact topic.
#[derive(Clone, Debug)]
pub(crate) enum TopicPattern {
    Prefix(String),
    Exact(String),
}

impl TopicPattern {
    /// Parses a pattern.
    ///
    /// # Panics
    ///
    /// If `*` appears anywhere but at the end, as Phoenix refuses too.
    pub(crate) fn parse(pattern: &str) -> Self {
        match pattern.strip_suffix('*') {
            Some(prefix) if !prefix.contains('*') => TopicPattern::Prefix(prefix.to_owned()),
            _ if pattern.contains('*') => panic!(
                "invalid channel pattern {pattern:?}: `*` is only allowed at the end, as in \"room:*\""
            ),
            _ => TopicPattern::Exact(pattern.to_owned()),
        }
    }

    pub(crate) fn matches(&self, topic: &str) -> bool {
        match self {
            TopicPattern::Prefix(prefix) => topic.starts_with(prefix.as_str()),
            TopicPattern::Exact(exact) => topic == exact,
        }
    }
}

/// A channel type behind a topic pattern, without its type.
pub(crate) trait Route: Send + Sync {
    fn matches(&self, topic: &str) -> bool;
    fn spawn(&self, start: ChannelStart) -> JoinHandle<()>;
}

pub(crate) struct ChannelRoute<C> {
    pub(crate) pattern: TopicPattern,
    pub(crate) channel: PhantomData<fn() -> C>,
}

impl<C: Channel> Route for ChannelRoute<C> {
    fn matches(&self, topic: &str) -> bool {
        self.pattern.matches(topic)
    }

    fn spawn(&self, start: ChannelStart) -> JoinHandle<()> {
        tokio::spawn(run::<C>(start))
    }
}

async fn run<C: Channel>(start: ChannelStart) {
    let ChannelStart {
        mut socket,
        msg_ref,
        params,
        cx,
        previous,
        mut mailbox,
        mailbox_tx,
        mut stop,
        down,
        permit,
    } = start;
    if let Some(previous) = previous {
        let _ = previous.await;
    }
    let topic = socket.topic.clone();
    let joined = AssertUnwindSafe(C::join(&topic, params, &mut socket).with_context(cx))
        .catch_unwind()
        .await;
    drop(permit);
    let mut channel = match joined {
        Ok(Ok((channel, response))) => {
            reply(&socket, &msg_ref, "ok", &response);
            socket.pubsub.subscribe(
                &topic,
                Subscriber {
                    id: socket.subscriber,
                    join_ref: socket.join_ref.clone(),
                    name: C::NAME,
                    intercepts: C::intercepts,
                    outbound: socket.outbound.clone(),
                    mailbox: mailbox_tx,
                },
            );
            channel
        }
        Ok(Err(refused)) => {
            reply(&socket, &msg_ref, "error", &refused.response());
            return finish(&socket, &mut mailbox, &down, true);
        }
        Err(_panic) => {
            // The join span, if any, has recorded the panic.
            let response = json!({ "reason": "join crashed" });
            reply(&socket, &msg_ref, "error", &response);
            return finish(&socket, &mut mailbox, &down, true);
        }
    };

    let (reason, leave_ref) = loop {
        let msg = tokio::select! {
            biased;
            reason = &mut stop => break (reason.unwrap_or(LeaveReason::Closed), None),
            msg = mailbox.recv() => msg,
        };
        let Some(msg) = msg else {
            break (LeaveReason::Closed, None);
        };
        match msg {
            ChannelMsg::Event {
                msg_ref,
                event,
                payload,
                cx,
                _permit,
            } => {
                let handled = AssertUnwindSafe(
                    channel
                        .handle_in(&event, payload, &mut socket)
                        .with_context(cx),
                )
                .catch_unwind()
                .await;
                match handled {
                    Ok(Some(answer)) => {
                        reply(&socket, &msg_ref, answer.status(), answer.response())
                    }
                    Ok(None) => {}
                    Err(panic) => break (LeaveReason::Crashed(panic_message(panic)), None),
                }
            }
            ChannelMsg::Leave { msg_ref } => break (LeaveReason::Leave, Some(msg_ref)),
            ChannelMsg::Broadcast { message, _permit } => {
                let outgoing = AssertUnwindSafe(
                    channel
                        .handle_out(message.event, message.payload.clone(), &mut socket)
                        .with_context(link_context(&message.link)),
                )
                .catch_unwind()
                .await;
                match outgoing {
                    Ok(Outgoing::Push(payload)) => {
                        let _ = socket.send_push(message.event, &payload);
                    }
                    Ok(Outgoing::Skip) => {}
                    Err(panic) => break (LeaveReason::Crashed(panic_message(panic)), None),
                }
            }
        }
    };

    // No broadcast reaches the channel after this, nor any push through its
    // pushers.
    socket.open.store(false, Ordering::Release);
    socket.pubsub.unsubscribe(&topic, socket.subscriber);
    if let Some(msg_ref) = leave_ref {
        reply(&socket, &msg_ref, "ok", &json!({}));
    }
    let _ = AssertUnwindSafe(
        channel
            .terminate(&reason, &mut socket)
            .with_context(Context::new()),
    )
    .catch_unwind()
    .await;
    let notice = match reason {
        LeaveReason::Leave | LeaveReason::Rejoined => Some(protocol::PHX_CLOSE),
        LeaveReason::Crashed(_) => Some(protocol::PHX_ERROR),
        // The client is gone, or is about to get the close frame.
        LeaveReason::Closed | LeaveReason::Shutdown => None,
    };
    if let Some(event) = notice {
        let _ = socket.outbound.send(protocol::channel_notice(
            &socket.join_ref,
            &socket.topic_json,
            event,
        ));
    }
    let answer_queued = matches!(
        reason,
        LeaveReason::Leave | LeaveReason::Crashed(_) | LeaveReason::Rejoined
    );
    finish(&socket, &mut mailbox, &down, answer_queued);
}

/// The context a `handle_out` runs under: its handler span starts a new
/// trace linked to the broadcast span.
fn link_context(link: &SpanContext) -> Context {
    if link.is_valid() {
        Context::new().with_value(LinkTo(link.clone()))
    } else {
        Context::new()
    }
}

fn reply(socket: &Socket, msg_ref: &RawRef, status: &str, response: &Value) {
    let text = protocol::reply(
        &socket.join_ref,
        msg_ref,
        &socket.topic_json,
        status,
        response,
    );
    let _ = socket.outbound.send(text);
}

/// The channel has ended: the connection forgets it, and messages still
/// queued for it are answered as Phoenix answers messages for a topic with
/// no channel (when `answer_queued`; a closing connection answers nothing).
fn finish(
    socket: &Socket,
    mailbox: &mut mpsc::UnboundedReceiver<ChannelMsg>,
    down: &mpsc::UnboundedSender<Down>,
    answer_queued: bool,
) {
    socket.open.store(false, Ordering::Release);
    let _ = down.send(Down {
        topic: socket.topic.clone(),
        id: socket.subscriber,
    });
    mailbox.close();
    while let Ok(msg) = mailbox.try_recv() {
        if !answer_queued {
            continue;
        }
        match msg {
            ChannelMsg::Event { msg_ref, .. } => {
                let response = json!({ "reason": protocol::UNMATCHED_TOPIC });
                let text = protocol::reply(
                    &RawRef::null(),
                    &msg_ref,
                    &socket.topic_json,
                    "error",
                    &response,
                );
                let _ = socket.outbound.send(text);
            }
            ChannelMsg::Leave { msg_ref } => {
                let text = protocol::reply(
                    &socket.join_ref,
                    &msg_ref,
                    &socket.topic_json,
                    "ok",
                    &json!({}),
                );
                let _ = socket.outbound.send(text);
            }
            ChannelMsg::Broadcast { .. } => {}
        }
    }
}
