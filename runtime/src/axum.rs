//! The axum extractor that carries an incoming request's trace context to
//! `#[traced(parent = ..)]`: [`TraceParent`].
//!
//! Built on `axum-core` alone (the crate axum's extractor traits live in),
//! so the `axum` feature brings neither axum's router nor the channel
//! server.

use std::convert::Infallible;

use axum_core::extract::FromRequestParts;
use http::request::Parts;
use http::{Method, Uri};
use opentelemetry::Context;

use crate::carrier::{self, RemoteParent, TrustPolicy};
use crate::inbound::InboundRequest;
use crate::semconv::{HTTP_REQUEST_METHOD, URL_PATH};
use crate::span::SpanGuard;
use crate::value::bounded_str;

/// An axum extractor: the W3C trace context (`traceparent`, `tracestate`,
/// `baggage`) of the request, validated as [`carrier::extract_headers`]
/// does, with the request's method and path.
///
/// Name it in `#[traced(parent = ..)]` and the handler's span is a SERVER
/// span that continues the caller's trace through the trust policy (a link
/// by default, `trust = parent` for callers inside your trust boundary),
/// with `http.request.method` and `url.path` recorded. It never rejects a
/// request: without a valid `traceparent` the span starts a new trace.
///
/// ```
/// use tracewire::axum::TraceParent;
/// use tracewire::prelude::*;
///
/// #[traced(parent = trace)]                 // span "get_order" [server], linked to the caller
/// async fn get_order(trace: TraceParent) -> &'static str {
///     "order"
/// }
///
/// #[traced(parent = trace, trust = parent)] // a trusted caller: its span is the parent
/// async fn internal_sync(trace: TraceParent) {}
/// # fn main() {}
/// ```
///
/// `http::HeaderMap` works the same with no feature at all, without the
/// method and path.
#[derive(Clone, Debug)]
pub struct TraceParent {
    /// Extracted from untrusted headers; the trust policy is applied when
    /// the span starts.
    context: Context,
    method: Method,
    uri: Uri,
}

impl TraceParent {
    /// The request's trace context after `policy`: see
    /// [`TrustPolicy::apply`].
    pub fn remote_parent(&self, policy: TrustPolicy) -> RemoteParent {
        RemoteParent::from_context(&self.context, policy)
    }

    /// The request's method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The request's path, without the query.
    pub fn path(&self) -> &str {
        self.uri.path()
    }
}

impl<S: Sync> FromRequestParts<S> for TraceParent {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(TraceParent {
            context: carrier::extract_headers(&parts.headers),
            // Both are reference-counted or inline: cloning them costs no
            // copy of the request.
            method: parts.method.clone(),
            uri: parts.uri.clone(),
        })
    }
}

impl InboundRequest for TraceParent {
    fn remote_parent(&self, policy: TrustPolicy) -> RemoteParent {
        TraceParent::remote_parent(self, policy)
    }

    fn record_request(&self, span: &mut SpanGuard) {
        // The HTTP semantic conventions: a method outside the standard set is
        // `_OTHER`, so a client cannot mint attribute values.
        let method = match self.method {
            Method::GET
            | Method::HEAD
            | Method::POST
            | Method::PUT
            | Method::DELETE
            | Method::CONNECT
            | Method::OPTIONS
            | Method::TRACE
            | Method::PATCH => self.method.as_str(),
            _ => "_OTHER",
        };
        span.record(HTTP_REQUEST_METHOD, Some(method.to_owned().into()));
        span.record(
            URL_PATH,
            Some(bounded_str(self.uri.path()).into_owned().into()),
        );
    }
}
