//! A string map as a carrier: [`inject_map`] and [`extract_map`], on
//! opentelemetry's own `Injector` and `Extractor` impls for `HashMap`.

use std::collections::HashMap;

use opentelemetry::Context;

use super::fields::{BAGGAGE, TRACEPARENT, TRACESTATE};
use super::{extract, inject};

/// Injects `cx` into a string map, replacing any `traceparent`, `tracestate`
/// and `baggage` entries already there. Keys are lowercase.
///
/// ```
/// use std::collections::HashMap;
///
/// use opentelemetry::Context;
/// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
/// use tracewire::carrier::{extract_map, inject_map};
///
/// let span_context = SpanContext::new(
///     TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
///     SpanId::from_hex("00f067aa0ba902b7").unwrap(),
///     TraceFlags::SAMPLED,
///     false,
///     TraceState::default(),
/// );
/// let cx = Context::new().with_remote_span_context(span_context.clone());
///
/// let mut map = HashMap::new();
/// inject_map(&cx, &mut map);
/// assert_eq!(
///     map["traceparent"],
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
/// );
///
/// let received = extract_map(&map);
/// let remote = received.span().span_context().clone();
/// assert_eq!(remote.trace_id(), span_context.trace_id());
/// assert!(remote.is_remote());
/// ```
pub fn inject_map(cx: &Context, map: &mut HashMap<String, String>) {
    for key in [TRACEPARENT, TRACESTATE, BAGGAGE] {
        map.remove(key);
    }
    inject(cx, map);
}

/// Extracts a context from an untrusted string map; see [`extract`]. Keys are
/// looked up in lowercase (`"traceparent"`, `"tracestate"`, `"baggage"`).
///
/// ```
/// use std::collections::HashMap;
///
/// use opentelemetry::trace::TraceContextExt;
/// use tracewire::carrier::extract_map;
///
/// let mut map = HashMap::new();
/// map.insert(
///     "traceparent".to_owned(),
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00".to_owned(),
/// );
/// let cx = extract_map(&map);
/// assert!(cx.span().span_context().is_valid());
/// assert!(!cx.span().span_context().is_sampled());
///
/// // Uppercase hex is not W3C Trace Context.
/// map.insert(
///     "traceparent".to_owned(),
///     "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01".to_owned(),
/// );
/// assert!(!extract_map(&map).span().span_context().is_valid());
/// ```
pub fn extract_map(map: &HashMap<String, String>) -> Context {
    extract(map)
}
