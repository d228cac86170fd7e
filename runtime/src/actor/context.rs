//! [`ActorContext`]: what a handler can do besides replying.

use std::time::Duration;

use opentelemetry::Context;
use opentelemetry::trace::TraceContextExt as _;

use super::mailbox::Envelope;
use super::{Actor, ActorRef, StopReason};
use crate::span::LinkTo;

/// What a handler can do besides replying: stop the actor, schedule
/// messages to itself, reach its own [`ActorRef`].
pub struct ActorContext<A: Actor> {
    myself: ActorRef<A>,
    stop: Option<StopReason>,
}

impl<A: Actor> ActorContext<A> {
    pub(crate) fn new(myself: ActorRef<A>) -> Self {
        ActorContext { myself, stop: None }
    }

    /// The stop a handler asked for, if any; asked once after each handler.
    pub(crate) fn take_stop(&mut self) -> Option<StopReason> {
        self.stop.take()
    }

    /// The actor's own handle.
    pub fn myself(&self) -> &ActorRef<A> {
        &self.myself
    }

    /// Stops the actor once the current handler returns (GenServer's
    /// `{:stop, reason, ...}`).
    pub fn stop(&mut self, reason: StopReason) {
        self.stop = Some(reason);
    }

    /// Delivers `message` to [`handle_info`](Actor::handle_info) after
    /// `delay`. Its handler span starts a new trace linked to the span
    /// current now.
    pub fn send_after(&self, message: A::Info, delay: Duration) {
        let link = Context::current().span().span_context().clone();
        let cx = if link.is_valid() {
            Context::new().with_value(LinkTo(link))
        } else {
            Context::new()
        };
        let tx = self.myself.tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            // The actor may have stopped meanwhile; then there is no one to
            // tell.
            let _ = tx.send(Envelope::Info { message, cx }).await;
        });
    }
}
