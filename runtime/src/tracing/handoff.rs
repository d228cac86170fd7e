//! The handoff span: an OpenTelemetry [`Context`] dressed as a `tracing`
//! span, so that it crosses the mailboxes of actor frameworks that capture
//! `tracing::Span::current()` with each message (kameo, ractor), and the
//! sender hands its context to the receiving handler.
//!
//! The span is never exported: [`layer`](super::layer) keeps it from
//! tracing-opentelemetry and, while it is entered, makes its context the
//! current one. So a handler polled inside it (ractor instruments the
//! handler with the captured span) starts from the sender's context, and
//! a kameo handler span that follows from it does the same
//! (see [`is_kameo_handler`]).

use std::cell::RefCell;

use ::tracing::Metadata;
use opentelemetry::Context;

/// The target of every handoff span.
pub(crate) const HANDOFF_TARGET: &str = "tracewire::handoff";
/// The name of every handoff span.
pub(crate) const HANDOFF_NAME: &str = "tracewire.handoff";

thread_local! {
    /// The context [`handoff_span`] is creating a span for. The layer takes
    /// it in `on_new_span`, which the subscriber calls on this thread, inside
    /// the `span!` call: a `tracing` span has no field that could hold a
    /// `Context`.
    static PENDING: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// A `tracing` span (target `tracewire::handoff`) that, when entered, makes
/// `cx` the current OpenTelemetry context until it is exited.
///
/// Without tracewire's [`layer`](super::layer) in the current subscriber
/// it is a span that does nothing (or [`Span::none`](::tracing::Span::none)
/// with no subscriber at all): handlers then start new traces.
///
/// It is at level ERROR so that no level filter turns it off; it has no
/// fields and is never exported, so no log line or trace shows it.
pub fn handoff_span(cx: &Context) -> ::tracing::Span {
    PENDING.with(|pending| *pending.borrow_mut() = Some(cx.clone()));
    let span = ::tracing::span!(
        target: HANDOFF_TARGET,
        parent: None,
        ::tracing::Level::ERROR,
        HANDOFF_NAME
    );
    // Not taken when the span is disabled: drop the context here rather
    // than hand it to an unrelated span later.
    PENDING.with(|pending| pending.borrow_mut().take());
    span
}

/// The context [`handoff_span`] is creating a span for, taken.
pub(crate) fn take_pending() -> Option<Context> {
    PENDING.with(|pending| pending.borrow_mut().take())
}

/// Whether `meta` describes a handoff span.
pub(crate) fn is_handoff(meta: &Metadata<'_>) -> bool {
    meta.target() == HANDOFF_TARGET && meta.name() == HANDOFF_NAME
}

/// Whether `meta` describes the root span kameo runs each message handler
/// in (`actor.handle_message`, `follows_from` the sender's span). The
/// layer does not export it, since tracewire's handler span takes its
/// place, and runs it in the context of the span it follows from.
pub(crate) fn is_kameo_handler(meta: &Metadata<'_>) -> bool {
    meta.name() == "actor.handle_message" && is_kameo(meta)
}

/// Whether `meta` is one of kameo's own spans.
pub(crate) fn is_kameo(meta: &Metadata<'_>) -> bool {
    let target = meta.target();
    target == "kameo" || target.starts_with("kameo::")
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{SpanContext, TraceContextExt as _, TraceFlags, TraceState};
    use opentelemetry::trace::{SpanId, TraceId};

    use super::*;

    #[test]
    fn without_tracewires_layer_a_handoff_does_nothing_and_keeps_no_context() {
        let sent = SpanContext::new(
            TraceId::from(7),
            SpanId::from(9),
            TraceFlags::SAMPLED,
            false,
            TraceState::NONE,
        );
        let cx = Context::new().with_remote_span_context(sent.clone());
        ::tracing::subscriber::with_default(::tracing::subscriber::NoSubscriber::default(), || {
            let handoff = handoff_span(&cx);
            assert!(handoff.is_disabled());
            handoff.in_scope(|| assert_ne!(*Context::current().span().span_context(), sent));
        });
        assert!(take_pending().is_none(), "the context is not left behind");
    }
}
