//! JSON message metadata as a carrier: the object under [`JSON_KEY`],
//! [`JsonCarrier`], [`JsonCarrierMut`] and the [`inject_json`] /
//! [`extract_json`] shorthands.

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector};
use serde_json::{Map, Value};

use super::{extract, inject};

/// Key under which trace context travels in JSON message metadata: an object
/// `{"traceparent": "...", "tracestate": "...", "baggage": "..."}`.
pub const JSON_KEY: &str = "trace_context";

/// Injects `cx` into JSON message metadata as `meta[JSON_KEY] = {..}`,
/// replacing any previous value; the key is removed when there is nothing to
/// propagate.
///
/// ```
/// use opentelemetry::Context;
/// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
/// use tracewire::carrier::{JSON_KEY, extract_json, inject_json};
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
/// let mut meta = serde_json::Map::new();
/// inject_json(&cx, &mut meta);
/// assert_eq!(
///     meta[JSON_KEY]["traceparent"],
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
/// );
///
/// let received = extract_json(&serde_json::Value::Object(meta));
/// assert!(received.span().span_context().is_valid());
/// ```
pub fn inject_json(cx: &Context, meta: &mut Map<String, Value>) {
    let mut object = Map::new();
    inject(cx, &mut JsonCarrierMut(&mut object));
    if object.is_empty() {
        meta.remove(JSON_KEY);
    } else {
        meta.insert(JSON_KEY.to_owned(), Value::Object(object));
    }
}

/// Extracts a context from untrusted JSON message metadata, reading
/// `meta[JSON_KEY]`; see [`extract`] and [`JsonCarrier`].
///
/// `meta` must be an object and `meta[JSON_KEY]` an object too; anything else
/// gives an empty context.
///
/// ```
/// use opentelemetry::trace::TraceContextExt;
/// use serde_json::json;
/// use tracewire::carrier::extract_json;
///
/// let meta = json!({ "trace_context": { "traceparent": 42 } });
/// assert!(!extract_json(&meta).span().span_context().is_valid());
/// ```
pub fn extract_json(meta: &Value) -> Context {
    match meta
        .as_object()
        .and_then(|meta| meta.get(JSON_KEY))
        .and_then(Value::as_object)
    {
        Some(object) => extract(&JsonCarrier(object)),
        None => Context::new(),
    }
}

/// Reads trace context from the JSON object found under [`JSON_KEY`].
///
/// Keys are exact (lowercase); a value that is not a JSON string is ignored.
#[derive(Clone, Copy, Debug)]
pub struct JsonCarrier<'a>(pub &'a Map<String, Value>);

impl Extractor for JsonCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

/// Writes trace context into a JSON object (the one stored under
/// [`JSON_KEY`]), as string values.
#[derive(Debug)]
pub struct JsonCarrierMut<'a>(pub &'a mut Map<String, Value>);

impl Injector for JsonCarrierMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), Value::String(value));
    }
}
