//! The carrier span: an OpenTelemetry [`Context`] dressed as a `tracing`
//! span, so that it crosses the mailboxes of actor frameworks that capture
//! `tracing::Span::current()` with each message (kameo, ractor).
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

/// The target of every carrier span.
pub(crate) const CARRIER_TARGET: &str = "tracewire::carrier";
/// The name of every carrier span.
pub(crate) const CARRIER_NAME: &str = "tracewire.carrier";

thread_local! {
    /// The context [`carrier_span`] is creating a span for. The layer takes
    /// it in `on_new_span`, which the subscriber calls on this thread, inside
    /// the `span!` call: a `tracing` span has no field that could hold a
    /// `Context`.
    static PENDING: RefCell<Option<Context>> = const { RefCell::new(None) };
}

/// A `tracing` span (target `tracewire::carrier`) that, when entered, makes
/// `cx` the current OpenTelemetry context until it is exited.
///
/// Without tracewire's [`layer`](super::layer) in the current subscriber
/// it is a span that does nothing (or [`Span::none`](::tracing::Span::none)
/// with no subscriber at all): handlers then start new traces.
///
/// It is at level ERROR so that no level filter turns it off; it has no
/// fields and is never exported, so no log line or trace shows it.
pub fn carrier_span(cx: &Context) -> ::tracing::Span {
    PENDING.with(|pending| *pending.borrow_mut() = Some(cx.clone()));
    let span = ::tracing::span!(
        target: CARRIER_TARGET,
        parent: None,
        ::tracing::Level::ERROR,
        CARRIER_NAME
    );
    // Not taken when the span is disabled: drop the context here rather
    // than hand it to an unrelated span later.
    PENDING.with(|pending| pending.borrow_mut().take());
    span
}

/// The context [`carrier_span`] is creating a span for, taken.
pub(crate) fn take_pending() -> Option<Context> {
    PENDING.with(|pending| pending.borrow_mut().take())
}

/// Whether `meta` describes a carrier span.
pub(crate) fn is_carrier(meta: &Metadata<'_>) -> bool {
    meta.target() == CARRIER_TARGET && meta.name() == CARRIER_NAME
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
