//! HTTP headers as a carrier: [`HeaderCarrier`], [`HeaderCarrierMut`] and
//! the [`inject_headers`] / [`extract_headers`] shorthands.

use http::header::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector};

use super::fields::{BAGGAGE, TRACEPARENT, TRACESTATE};
use super::{extract, inject};

/// Injects `cx` into HTTP headers, replacing any `traceparent`, `tracestate`
/// and `baggage` headers already there.
///
/// ```
/// use opentelemetry::Context;
/// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
///
/// let span_context = SpanContext::new(
///     TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
///     SpanId::from_hex("00f067aa0ba902b7").unwrap(),
///     TraceFlags::SAMPLED,
///     false,
///     TraceState::default(),
/// );
/// let cx = Context::new().with_remote_span_context(span_context);
///
/// let mut headers = http::HeaderMap::new();
/// tracewire::carrier::inject_headers(&cx, &mut headers);
/// assert_eq!(
///     headers["traceparent"],
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
/// );
/// ```
pub fn inject_headers(cx: &Context, headers: &mut HeaderMap) {
    for name in [TRACEPARENT, TRACESTATE, BAGGAGE] {
        headers.remove(name);
    }
    inject(cx, &mut HeaderCarrierMut(headers));
}

/// Extracts a context from untrusted HTTP headers; see [`extract`] and
/// [`HeaderCarrier`].
///
/// ```
/// let mut headers = http::HeaderMap::new();
/// headers.insert(
///     "traceparent",
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap(),
/// );
/// // A second, conflicting traceparent makes the input invalid.
/// headers.append(
///     "traceparent",
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".parse().unwrap(),
/// );
/// let cx = tracewire::carrier::extract_headers(&headers);
/// use opentelemetry::trace::TraceContextExt;
/// assert!(!cx.span().span_context().is_valid());
/// ```
pub fn extract_headers(headers: &HeaderMap) -> Context {
    extract(&HeaderCarrier(headers))
}

/// Reads trace context from HTTP headers.
///
/// Header names are case-insensitive (as in [`HeaderMap`]). A value that is not
/// visible ASCII (or space, tab) is ignored. [`get`](Extractor::get) answers
/// only for a header that occurs exactly once, so even a propagator used
/// directly never picks one of several `traceparent` values;
/// [`get_all`](Extractor::get_all) returns every value, or nothing if any of
/// them is not visible ASCII.
#[derive(Clone, Copy, Debug)]
pub struct HeaderCarrier<'a>(pub &'a HeaderMap);

impl Extractor for HeaderCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        let mut values = self.0.get_all(key).iter();
        match (values.next(), values.next()) {
            (Some(value), None) => value.to_str().ok(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values = self
            .0
            .get_all(key)
            .iter()
            .map(|value| value.to_str().ok())
            .collect::<Option<Vec<&str>>>()?;
        (!values.is_empty()).then_some(values)
    }
}

/// Writes trace context into HTTP headers, replacing existing values of the
/// same name. A name or value that is not a valid header is skipped.
#[derive(Debug)]
pub struct HeaderCarrierMut<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderCarrierMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}
