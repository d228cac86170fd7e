//! What travels through an actor's mailbox: each request with the context of
//! the span that sent it, so the handler's span continues the caller's trace.

use opentelemetry::Context;
use tokio::sync::oneshot;

use super::{Actor, CallError, StopReason};

pub(crate) type Reply<A> = oneshot::Sender<Result<<A as Actor>::Reply, CallError>>;

pub(crate) enum Envelope<A: Actor> {
    Call {
        message: A::Call,
        reply: Reply<A>,
        cx: Context,
    },
    Cast {
        message: A::Cast,
        cx: Context,
    },
    Info {
        message: A::Info,
        cx: Context,
    },
    Stop {
        reason: StopReason,
        done: oneshot::Sender<()>,
        cx: Context,
    },
}
