//! One joined channel: a task per (connection, topic), like Phoenix's
//! channel process, owning the [`Channel`] value and its [`Socket`].
//!
//! The task runs `join`, then handles its inbox in order (client events,
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

use std::sync::Arc;
use std::sync::atomic::Ordering;

use opentelemetry::Context;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::SpanContext;
use serde_json::{Value, json};
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot};
use tokio::task::JoinHandle;

use super::socket::Socket;
use super::traits::{Channel, LeaveReason, Outgoing};
use crate::channel::cluster::pubsub::Subscriber;
use crate::channel::wire::inbox::{ChannelMsg, ClientEvent};
use crate::channel::wire::protocol::{self, RawRef};
use crate::panic::catch_panic;
use crate::span::LinkTo;

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
    pub(crate) inbox: mpsc::UnboundedReceiver<ChannelMsg>,
    pub(crate) inbox_tx: mpsc::UnboundedSender<ChannelMsg>,
    pub(crate) stop: oneshot::Receiver<LeaveReason>,
    pub(crate) down: mpsc::UnboundedSender<Down>,
    /// The join message's share of the inbound budget.
    pub(crate) permit: OwnedSemaphorePermit,
}

/// Runs one joined channel from `join` to `terminate`.
pub(crate) async fn run<C: Channel>(start: ChannelStart) {
    let ChannelStart {
        mut socket,
        msg_ref,
        params,
        cx,
        previous,
        mut inbox,
        inbox_tx,
        mut stop,
        down,
        permit,
    } = start;
    if let Some(previous) = previous {
        let _ = previous.await;
    }
    let topic = socket.topic.clone();
    // Each handler's future is boxed while it runs, so that the task an
    // idle channel keeps holds none of them.
    let joined = Box::pin(catch_panic(
        C::join(&topic, params, &mut socket).with_context(cx),
    ))
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
                    inbox: inbox_tx,
                },
            );
            channel
        }
        Ok(Err(refused)) => {
            reply(&socket, &msg_ref, "error", &refused.response());
            return finish(&socket, &mut inbox, &down, true);
        }
        Err(_panic) => {
            // The join span, if any, has recorded the panic.
            let response = json!({ "reason": "join crashed" });
            reply(&socket, &msg_ref, "error", &response);
            return finish(&socket, &mut inbox, &down, true);
        }
    };

    let (reason, leave_ref) = loop {
        let msg = tokio::select! {
            biased;
            reason = &mut stop => break (reason.unwrap_or(LeaveReason::Closed), None),
            msg = inbox.recv() => msg,
        };
        let Some(msg) = msg else {
            break (LeaveReason::Closed, None);
        };
        match msg {
            ChannelMsg::Event(client_event) => {
                let ClientEvent {
                    msg_ref,
                    event,
                    payload,
                    cx,
                    _permit,
                } = *client_event;
                let handled = Box::pin(catch_panic(
                    channel
                        .handle_in(&event, payload, &mut socket)
                        .with_context(cx),
                ))
                .await;
                match handled {
                    Ok(Some(answer)) => {
                        reply(&socket, &msg_ref, answer.status(), answer.response())
                    }
                    Ok(None) => {}
                    Err(panic) => break (LeaveReason::Crashed(panic), None),
                }
            }
            ChannelMsg::Leave { msg_ref } => break (LeaveReason::Leave, Some(msg_ref)),
            ChannelMsg::Broadcast { message, _permit } => {
                let outgoing = Box::pin(catch_panic(
                    channel
                        .handle_out(&message.event, message.payload.clone(), &mut socket)
                        .with_context(link_context(&message.link)),
                ))
                .await;
                match outgoing {
                    Ok(Outgoing::Push(payload)) => {
                        let _ = socket.send_push(&message.event, &payload);
                    }
                    Ok(Outgoing::Skip) => {}
                    Err(panic) => break (LeaveReason::Crashed(panic), None),
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
    let _ = Box::pin(catch_panic(
        channel
            .terminate(&reason, &mut socket)
            .with_context(Context::new()),
    ))
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
    finish(&socket, &mut inbox, &down, answer_queued);
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
    inbox: &mut mpsc::UnboundedReceiver<ChannelMsg>,
    down: &mpsc::UnboundedSender<Down>,
    answer_queued: bool,
) {
    socket.open.store(false, Ordering::Release);
    socket.presence.channel_stopped(socket.subscriber);
    let _ = down.send(Down {
        topic: socket.topic.clone(),
        id: socket.subscriber,
    });
    inbox.close();
    while let Ok(msg) = inbox.try_recv() {
        if !answer_queued {
            continue;
        }
        match msg {
            ChannelMsg::Event(client_event) => {
                let msg_ref = client_event.msg_ref;
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
