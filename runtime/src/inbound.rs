//! Requests that arrive from outside: what `#[traced(parent = headers)]`
//! reads. A handler serving an HTTP request continues the caller's
//! `traceparent` through the [`TrustPolicy`], exactly as the channel server
//! does for a WebSocket upgrade: [`TrustPolicy::apply`] on the request's
//! headers, then [`SpanGuard::start_remote`](crate::span::SpanGuard::start_remote).
//!
//! The macro accepts an argument of type `http::HeaderMap` (or a reference
//! to one) with no feature, and `tracewire::axum::TraceParent` with the
//! `axum` feature, which also knows the request's method and path.

use http::HeaderMap;

use crate::carrier::{HeaderCarrier, RemoteParent, TrustPolicy};
use crate::span::SpanGuard;

/// An incoming request's trace context, and what else of the request a
/// server span records. Implemented for `http::HeaderMap` and, with the
/// `axum` feature, `tracewire::axum::TraceParent`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an incoming request's headers",
    label = "`parent = ..` reads the incoming request's trace context from this argument",
    note = "take an `http::HeaderMap` argument (or `&HeaderMap`), or `tracewire::axum::TraceParent` with tracewire's `axum` feature"
)]
pub trait InboundRequest {
    /// The request's trace context after `policy`. Malformed, oversized or
    /// repeated headers give [`RemoteParent::None`], never a panic.
    fn remote_parent(&self, policy: TrustPolicy) -> RemoteParent;

    /// Records what is known of the request on its server span (only
    /// called while the span is recording).
    fn record_request(&self, span: &mut SpanGuard) {
        let _ = span;
    }
}

impl InboundRequest for HeaderMap {
    fn remote_parent(&self, policy: TrustPolicy) -> RemoteParent {
        policy.apply(&HeaderCarrier(self))
    }
}

impl<T: InboundRequest + ?Sized> InboundRequest for &T {
    fn remote_parent(&self, policy: TrustPolicy) -> RemoteParent {
        (**self).remote_parent(policy)
    }

    fn record_request(&self, span: &mut SpanGuard) {
        (**self).record_request(span);
    }
}

impl<T: InboundRequest + ?Sized> InboundRequest for &mut T {
    fn remote_parent(&self, policy: TrustPolicy) -> RemoteParent {
        (**self).remote_parent(policy)
    }

    fn record_request(&self, span: &mut SpanGuard) {
        (**self).record_request(span);
    }
}
