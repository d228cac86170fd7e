//! Sends to kameo and ractor actors from traced code: the span around each
//! send and the handoff span that takes its context through the mailbox.
//!
//! `#[traced_actor]` and `#[traced]` rewrite `recv.ask(m)`, `recv.tell(m)`,
//! `recv.cast(m)`, `recv.call(..)`, `recv.send_message(m)`, `cast!`,
//! `call!` and `call_t!` in a handler's body (see the macros' `send`
//! module) into code that asks `__private::SendProbe` what `recv` is. Only kameo's
//! and ractor's actor refs answer (`tracewire::kameo`, `tracewire::ractor`,
//! with their features on): for them a CLIENT (`ask`, `call`) or PRODUCER
//! (`tell`, `cast`, `send_message`) span `{actor}.{op} {message}` is
//! started, and the send runs with that span current and its handoff span
//! ([`handoff_span`]) entered, so the handler's span becomes its child.
//! For anything else (tracewire's own `ActorRef`, whose `call` and `cast`
//! start their own spans; a user's type with a `tell` method) the send runs
//! exactly as written.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::ContextGuard;
use opentelemetry::trace::SpanKind;

use crate::outcome::Outcome;
use crate::span::{SpanGuard, SpanMeta};
use crate::static_name::concat;
#[cfg(feature = "tracing")]
use crate::tracing::handoff::handoff_span;

/// The span of one send, with its handoff span; nothing for a receiver
/// that is not a kameo or ractor actor ref.
#[doc(hidden)]
pub struct SendSpan {
    inner: Option<Active>,
}

/// A send span that is recording or carrying a sampling decision, and the
/// handoff span that takes its context through the mailbox. Without the
/// `tracing` feature no receiver is a send site (kameo and ractor need
/// it), so there is never one; generated code still compiles.
struct Active {
    span: SpanGuard,
    #[cfg(feature = "tracing")]
    handoff: ::tracing::Span,
}

impl SendSpan {
    /// Starts `{actor}.{op} {message}` (or `{actor}.{op}` without a
    /// message name) as a child of the current context, when `actor` is
    /// known.
    pub fn start(
        actor: Option<&'static str>,
        op: &'static str,
        message: Option<&'static str>,
        kind: SpanKind,
    ) -> SendSpan {
        let Some(actor) = actor else {
            return SendSpan { inner: None };
        };
        let prefix = concat(actor, ".", op);
        let name = match message {
            Some(message) => concat(prefix, " ", message),
            None => prefix,
        };
        #[allow(unused_mut)] // mutated only to build the handoff span
        let mut span = SpanGuard::start(&SpanMeta {
            name,
            kind,
            sample: None,
        });
        #[cfg(feature = "tracing")]
        let handoff = handoff_span(span.context());
        SendSpan {
            inner: Some(Active {
                span,
                #[cfg(feature = "tracing")]
                handoff,
            }),
        }
    }

    /// Enters the span and its handoff span for a send that completes before the
    /// guard is dropped (`tell(..).try_send()`, ractor's `cast`).
    pub fn enter(&mut self) -> SendGuard<'_> {
        SendGuard {
            _entered: self.inner.as_mut().map(|active| {
                let cx = active.span.context().clone().attach();
                #[cfg(feature = "tracing")]
                let entered = active.handoff.enter();
                #[cfg(not(feature = "tracing"))]
                let entered = std::marker::PhantomData;
                (entered, cx)
            }),
        }
    }

    /// `send` polled with the span current and its handoff span entered: kameo
    /// and ractor take the sender's `tracing` span when the send is first
    /// polled, not when it is built.
    pub fn instrument<F: IntoFuture>(&mut self, send: F) -> SendFuture<'_, F::IntoFuture> {
        SendFuture {
            span: self,
            send: send.into_future(),
        }
    }

    /// Ends the span with the send's outcome.
    pub fn finish(self, outcome: Outcome<'_>) {
        if let Some(active) = self.inner {
            active.span.finish(outcome);
        }
    }
}

/// While alive, the send span is current and its handoff span entered.
#[doc(hidden)]
pub struct SendGuard<'a> {
    _entered: Option<(Entered<'a>, ContextGuard)>,
}

#[cfg(feature = "tracing")]
type Entered<'a> = ::tracing::span::Entered<'a>;
#[cfg(not(feature = "tracing"))]
type Entered<'a> = std::marker::PhantomData<&'a ()>;

pin_project_lite::pin_project! {
    /// A send's future, polled inside its span.
    #[doc(hidden)]
    pub struct SendFuture<'a, F> {
        span: &'a mut SendSpan,
        #[pin]
        send: F,
    }
}

impl<F: Future> Future for SendFuture<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        this.send.poll(task)
    }
}

/// A generic send's outcome, for the extension traits where the error type
/// is not known to have a `Display`: an `Err` is an error named by its
/// type.
#[cfg(any(feature = "kameo", feature = "ractor"))]
pub(crate) fn result_outcome<T, E>(result: &Result<T, E>) -> Outcome<'static> {
    match result {
        Ok(_) => Outcome::Unset,
        Err(_) => Outcome::error(std::any::type_name::<E>(), &"the send failed"),
    }
}
