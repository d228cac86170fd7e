//! W3C Trace Context carriers and the trust policy for incoming context.
//!
//! This module owns everything that moves trace context across a process
//! boundary:
//!
//! - [`inject`] / [`extract`] and their per-carrier shorthands for
//!   [`http::HeaderMap`] ([`inject_headers`], [`extract_headers`]),
//!   `HashMap<String, String>` ([`inject_map`], [`extract_map`]) and JSON
//!   message metadata ([`inject_json`], [`extract_json`]);
//! - the carrier newtypes [`HeaderCarrier`], [`HeaderCarrierMut`],
//!   [`JsonCarrier`] and [`JsonCarrierMut`];
//! - the validation of untrusted input, and the [`TrustPolicy`] deciding what
//!   a valid incoming context becomes ([`RemoteParent`]).
//!
//! The wire format is [W3C Trace Context] (`traceparent`, `tracestate`) plus
//! [W3C Baggage] (`baggage`), through tracewire's own propagators. Which of
//! the two are carried is a process-wide setting, [`set_propagators`], both
//! by default; [`init`](crate::init) sets it from `OTEL_PROPAGATORS`. The
//! OpenTelemetry global propagator is deliberately not read: it is a no-op
//! until an application installs one, which would silently break
//! propagation.
//!
//! # JSON messages
//!
//! Real-time channel messages carry trace context in their metadata object
//! under [`JSON_KEY`] (`"trace_context"`):
//!
//! ```json
//! { "trace_context": { "traceparent": "00-…-…-01", "tracestate": "…", "baggage": "…" } }
//! ```
//!
//! Keys inside that object are exact and lowercase; values must be JSON
//! strings. Anything else is ignored.
//!
//! # Validation and limits
//!
//! Incoming context is untrusted. Extraction never panics, and anything
//! malformed is ignored rather than repaired. Limits are checked on the raw
//! input *before* any parsing:
//!
//! | field         | limit       | over the limit                      |
//! |---------------|-------------|-------------------------------------|
//! | `traceparent` | 512 bytes   | ignored: no remote span context     |
//! | `tracestate`  | 512 bytes   | dropped; the `traceparent` is kept  |
//! | `baggage`     | 8192 bytes  | dropped                             |
//!
//! A version-00 `traceparent` is exactly 55 bytes; 512 leaves room for future
//! versions while bounding the work an attacker can cause. W3C Trace Context
//! asks vendors to propagate at least 512 bytes of a combined `tracestate`
//! ([§3.3.1.5](https://www.w3.org/TR/trace-context/#tracestate-limits)); a
//! longer one is dropped whole rather than truncated. W3C Baggage requires
//! propagating baggage up to 8192 bytes
//! ([limits](https://www.w3.org/TR/baggage/#limits)); longer baggage is
//! dropped whole, never partially.
//!
//! On top of the limits:
//!
//! - every value must consist of visible ASCII, space or tab (what an HTTP
//!   field value can hold); otherwise it is ignored;
//! - `traceparent` must match the W3C grammar exactly, which the
//!   OpenTelemetry 0.33 `TraceContextPropagator` does not check on its own: two
//!   lowercase hex digits of version (not `ff`), 32 of trace id, 16 of parent
//!   id and 2 of flags, separated by single dashes, with non-zero ids. Version
//!   `00` must be exactly 55 bytes; a higher version is parsed by its first
//!   four fields, provided the flags are followed by a dash or the end
//!   ([§3.2.4](https://www.w3.org/TR/trace-context/#versioning-of-traceparent)).
//!   Spaces and tabs around the value (HTTP optional whitespace) are allowed;
//! - a `traceparent` that occurs more than once (several header values) is
//!   invalid, as W3C requires; several `tracestate` or `baggage` values are
//!   joined with `,` and the limit applies to the joined value.
//!
//! # Why [`TrustPolicy::Link`] is the default
//!
//! A `traceparent` from a client (a browser, a websocket peer, a third-party
//! caller) is chosen by that client. Adopting it as the parent lets the client
//! choose the trace id (merging unrelated work into its trace, or colliding
//! with other traces) and, with a parent-based sampler, decide whether the
//! server records at all. A span *link* keeps the relation visible in the
//! trace viewer while the server starts its own trace and makes its own
//! sampling decision, and incoming baggage is not adopted. Use
//! [`TrustPolicy::Parent`] only for peers inside the same trust boundary.
//!
//! [W3C Trace Context]: https://www.w3.org/TR/trace-context/
//! [W3C Baggage]: https://www.w3.org/TR/baggage/

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::ops::BitOr;
use std::sync::atomic::{AtomicU8, Ordering};

use http::header::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use serde_json::{Map, Value};

/// Key under which trace context travels in JSON message metadata: an object
/// `{"traceparent": "...", "tracestate": "...", "baggage": "..."}`.
pub const JSON_KEY: &str = "trace_context";

/// The W3C Trace Context parent header.
const TRACEPARENT: &str = "traceparent";
/// The W3C Trace Context vendor state header.
const TRACESTATE: &str = "tracestate";
/// The W3C Baggage header.
const BAGGAGE: &str = "baggage";

/// Longest `traceparent` considered at all (ours: version 00 is 55 bytes).
const MAX_TRACEPARENT_LEN: usize = 512;
/// Longest combined `tracestate` kept (W3C Trace Context §3.3.1.5).
const MAX_TRACESTATE_LEN: usize = 512;
/// Longest combined `baggage` kept (W3C Baggage, "Limits").
const MAX_BAGGAGE_LEN: usize = 8192;
/// Length of a version-00 `traceparent`, and of the part of any version that
/// this implementation understands.
const TRACEPARENT_LEN: usize = 55;

/// Which W3C formats [`inject`] writes and [`extract`] reads: Trace Context
/// (`traceparent`, `tracestate`) and Baggage (`baggage`). Both by default.
///
/// `OTEL_PROPAGATORS` names them `tracecontext` and `baggage`, and `none`
/// for neither; [`init`](crate::init) reads it and calls
/// [`set_propagators`].
///
/// ```
/// use tracewire::carrier::Propagators;
///
/// let both = Propagators::TRACE_CONTEXT | Propagators::BAGGAGE;
/// assert_eq!(both, Propagators::default());
/// assert!(both.trace_context() && both.baggage());
/// assert!(!Propagators::NONE.trace_context());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Propagators(u8);

impl Propagators {
    /// Nothing is carried: inject writes nothing, extract reads nothing.
    pub const NONE: Propagators = Propagators(0);
    /// W3C Trace Context: `traceparent` and `tracestate`.
    pub const TRACE_CONTEXT: Propagators = Propagators(1);
    /// W3C Baggage: `baggage`.
    pub const BAGGAGE: Propagators = Propagators(2);

    /// Whether Trace Context is carried.
    pub const fn trace_context(self) -> bool {
        self.0 & Self::TRACE_CONTEXT.0 != 0
    }

    /// Whether Baggage is carried.
    pub const fn baggage(self) -> bool {
        self.0 & Self::BAGGAGE.0 != 0
    }
}

impl Default for Propagators {
    /// Trace Context and Baggage, the specification's default.
    fn default() -> Self {
        Propagators::TRACE_CONTEXT | Propagators::BAGGAGE
    }
}

impl BitOr for Propagators {
    type Output = Propagators;

    fn bitor(self, other: Propagators) -> Propagators {
        Propagators(self.0 | other.0)
    }
}

impl fmt::Debug for Propagators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As OTEL_PROPAGATORS spells them.
        match (self.trace_context(), self.baggage()) {
            (true, true) => f.write_str("Propagators(tracecontext,baggage)"),
            (true, false) => f.write_str("Propagators(tracecontext)"),
            (false, true) => f.write_str("Propagators(baggage)"),
            (false, false) => f.write_str("Propagators(none)"),
        }
    }
}

/// The propagators in use, as [`Propagators`] bits.
static PROPAGATORS: AtomicU8 = AtomicU8::new(3);

/// Sets which formats every carrier in this process writes and reads from
/// now on. [`init`](crate::init) calls it with `OTEL_PROPAGATORS` (or
/// [`TelemetryBuilder::propagators`](crate::TelemetryBuilder::propagators)),
/// and its guard sets the default back when it shuts down.
///
/// ```
/// use opentelemetry::Context;
/// use opentelemetry::baggage::BaggageExt as _;
/// use opentelemetry::KeyValue;
/// use tracewire::carrier::{Propagators, inject_map, set_propagators};
///
/// let cx = Context::new().with_baggage([KeyValue::new("tenant", "acme")]);
/// let mut map = std::collections::HashMap::new();
///
/// set_propagators(Propagators::TRACE_CONTEXT);
/// inject_map(&cx, &mut map);
/// assert!(map.get("baggage").is_none());
///
/// set_propagators(Propagators::default());
/// inject_map(&cx, &mut map);
/// assert_eq!(map["baggage"], "tenant=acme");
/// ```
pub fn set_propagators(propagators: Propagators) {
    PROPAGATORS.store(propagators.0, Ordering::Relaxed);
}

/// The formats the carriers write and read right now.
pub fn propagators() -> Propagators {
    Propagators(PROPAGATORS.load(Ordering::Relaxed))
}

/// Injects the span context (`traceparent`, `tracestate`) and baggage of `cx`
/// into `carrier`, each if [`propagators`] carries it.
///
/// This uses tracewire's own W3C propagators, *not* the OpenTelemetry
/// global propagator, which is a no-op until an application installs one.
/// Nothing is written for a context without a valid span context (except
/// its baggage), an empty `tracestate` is not written, and baggage longer
/// than 8192 bytes is not written (a receiver would drop it).
pub fn inject(cx: &Context, carrier: &mut dyn Injector) {
    inject_with(propagators(), cx, carrier);
}

fn inject_with(propagators: Propagators, cx: &Context, carrier: &mut dyn Injector) {
    let mut outgoing = Outgoing(carrier);
    if propagators.trace_context() {
        TraceContextPropagator::new().inject_context(cx, &mut outgoing);
    }
    if propagators.baggage() {
        BaggagePropagator::new().inject_context(cx, &mut outgoing);
    }
}

/// Extracts a context from an untrusted `carrier`, reading only the formats
/// [`propagators`] carries.
///
/// The result is built from an empty [`Context`], never from the current one:
/// it holds a remote span context only if the carrier held a valid
/// `traceparent` (see the [module docs](self) for the validation rules and
/// limits), and baggage only if the carrier held acceptable baggage.
/// Malformed input is ignored; this function never panics.
///
/// Multiple values for one field are read through [`Extractor::get_all`].
pub fn extract(carrier: &dyn Extractor) -> Context {
    extract_with(propagators(), carrier)
}

fn extract_with(propagators: Propagators, carrier: &dyn Extractor) -> Context {
    let mut cx = Context::new();
    if propagators.trace_context() {
        let validated = Validated {
            traceparent: traceparent(carrier),
            tracestate: list(carrier, TRACESTATE, MAX_TRACESTATE_LEN),
            baggage: None,
        };
        cx = TraceContextPropagator::new().extract_with_context(&cx, &validated);
    }
    if propagators.baggage() {
        let validated = Validated {
            traceparent: None,
            tracestate: None,
            baggage: list(carrier, BAGGAGE, MAX_BAGGAGE_LEN),
        };
        cx = BaggagePropagator::new().extract_with_context(&cx, &validated);
    }
    cx
}

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

/// What to do with trace context that arrives from outside (a client payload,
/// a request header).
///
/// The default is [`Link`](TrustPolicy::Link); the
/// [module docs](self#why-trustpolicylink-is-the-default) explain why.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrustPolicy {
    /// Continue the caller's trace: the incoming span context becomes the
    /// parent, and its baggage is adopted. For trusted peers only.
    Parent,
    /// Start a new trace whose span links to the incoming span context. The
    /// caller cannot choose the trace id or the sampling decision, and its
    /// baggage is not adopted.
    #[default]
    Link,
    /// Disregard incoming trace context entirely; it is not even parsed.
    Ignore,
}

impl TrustPolicy {
    /// Extracts the context from an untrusted `carrier` (see [`extract`]) and
    /// applies this policy to it (see [`RemoteParent::from_context`]).
    ///
    /// ```
    /// use std::collections::HashMap;
    ///
    /// use tracewire::carrier::{RemoteParent, TrustPolicy};
    ///
    /// let mut headers = HashMap::new();
    /// headers.insert(
    ///     "traceparent".to_owned(),
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
    /// );
    ///
    /// // The default policy links to the caller instead of adopting its trace.
    /// let remote = TrustPolicy::default().apply(&headers);
    /// let link = remote.link().expect("a valid traceparent");
    /// assert_eq!(link.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
    /// assert!(remote.parent_context().is_none());
    ///
    /// assert!(TrustPolicy::Parent.apply(&headers).parent_context().is_some());
    /// assert!(matches!(TrustPolicy::Ignore.apply(&headers), RemoteParent::None));
    ///
    /// // Malformed input is ignored whatever the policy.
    /// headers.insert("traceparent".to_owned(), "00-garbage".to_owned());
    /// assert!(matches!(TrustPolicy::Parent.apply(&headers), RemoteParent::None));
    /// ```
    pub fn apply(self, carrier: &dyn Extractor) -> RemoteParent {
        match self {
            TrustPolicy::Ignore => RemoteParent::None,
            policy => RemoteParent::from_context(&extract(carrier), policy),
        }
    }
}

/// The result of applying a [`TrustPolicy`] to an incoming context.
#[derive(Clone, Debug)]
pub enum RemoteParent {
    /// Use this context (holding the remote span context and the incoming
    /// baggage) as the parent of the new span.
    Parent(Context),
    /// Start a new trace with a link to this remote span context.
    Link(SpanContext),
    /// No usable incoming context, or the policy said to ignore it.
    None,
}

impl RemoteParent {
    /// Applies `policy` to an already extracted context. A context without a
    /// valid span context gives [`RemoteParent::None`], whatever the policy.
    pub fn from_context(cx: &Context, policy: TrustPolicy) -> Self {
        if policy == TrustPolicy::Ignore {
            return RemoteParent::None;
        }
        let span = cx.span();
        let span_context = span.span_context();
        if !span_context.is_valid() {
            return RemoteParent::None;
        }
        match policy {
            TrustPolicy::Parent => RemoteParent::Parent(cx.clone()),
            TrustPolicy::Link => RemoteParent::Link(span_context.clone()),
            TrustPolicy::Ignore => RemoteParent::None,
        }
    }

    /// The context to start the new span in, for [`RemoteParent::Parent`].
    pub fn parent_context(&self) -> Option<&Context> {
        match self {
            RemoteParent::Parent(cx) => Some(cx),
            _ => None,
        }
    }

    /// The span context to link to, for [`RemoteParent::Link`].
    pub fn link(&self) -> Option<&SpanContext> {
        match self {
            RemoteParent::Link(span_context) => Some(span_context),
            _ => None,
        }
    }
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

/// Filters what the propagators write: no empty values (an empty
/// `tracestate`), no baggage a receiver would drop.
struct Outgoing<'a>(&'a mut dyn Injector);

impl Injector for Outgoing<'_> {
    fn set(&mut self, key: &str, value: String) {
        if value.is_empty() || (key == BAGGAGE && value.len() > MAX_BAGGAGE_LEN) {
            return;
        }
        self.0.set(key, value);
    }
}

/// The validated fields of an incoming carrier: what the propagators see.
struct Validated<'a> {
    traceparent: Option<&'a str>,
    tracestate: Option<Cow<'a, str>>,
    baggage: Option<Cow<'a, str>>,
}

impl Extractor for Validated<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            TRACEPARENT => self.traceparent,
            TRACESTATE => self.tracestate.as_deref(),
            BAGGAGE => self.baggage.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        let present = [
            self.traceparent.is_some(),
            self.tracestate.is_some(),
            self.baggage.is_some(),
        ];
        [TRACEPARENT, TRACESTATE, BAGGAGE]
            .into_iter()
            .zip(present)
            .filter_map(|(key, present)| present.then_some(key))
            .collect()
    }
}

/// Whether `value` could be an HTTP field value made of visible ASCII, spaces
/// and tabs (which also rules out non-ASCII text in maps and JSON).
fn field_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// The single `traceparent` of `carrier`, validated and normalized to the 55
/// bytes the propagator should parse.
fn traceparent(carrier: &dyn Extractor) -> Option<&str> {
    let values = carrier.get_all(TRACEPARENT)?;
    // Several traceparent values: invalid, even if they agree (W3C §3.2).
    if values.len() != 1 {
        return None;
    }
    let value = values[0];
    if value.len() > MAX_TRACEPARENT_LEN || !field_safe(value) {
        return None;
    }
    valid_traceparent(value)
}

/// Checks `value` against the W3C `traceparent` grammar, which the 0.33
/// propagator does not fully enforce (it parses fields with
/// `from_str_radix`, so it accepts short, over-long, signed or zero-padded
/// fields, uppercase versions and a trailing dash). Returns the version,
/// trace id, parent id and flags (the first 55 bytes) on success.
fn valid_traceparent(value: &str) -> Option<&str> {
    // Optional whitespace around an HTTP field value is not part of it.
    let value = value.trim_matches([' ', '\t']);
    let bytes = value.as_bytes();
    if bytes.len() < TRACEPARENT_LEN {
        return None;
    }
    let lower_hex = |field: &[u8]| field.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let non_zero = |field: &[u8]| field.iter().any(|&b| b != b'0');
    let (version, trace_id, span_id, flags) =
        (&bytes[0..2], &bytes[3..35], &bytes[36..52], &bytes[53..55]);
    let well_formed = [bytes[2], bytes[35], bytes[52]] == [b'-'; 3]
        && lower_hex(version)
        && lower_hex(trace_id)
        && lower_hex(span_id)
        && lower_hex(flags)
        && version != b"ff"
        && non_zero(trace_id)
        && non_zero(span_id);
    if !well_formed {
        return None;
    }
    let complete = if version == b"00" {
        bytes.len() == TRACEPARENT_LEN
    } else {
        // A future version: parse the first four fields, provided the flags
        // end the value or are followed by a dash (W3C §3.2.4).
        bytes.get(TRACEPARENT_LEN).is_none_or(|&b| b == b'-')
    };
    if complete {
        value.get(..TRACEPARENT_LEN)
    } else {
        None
    }
}

/// The values of a list-valued field (`tracestate`, `baggage`) joined with
/// `,`, or nothing if the joined value exceeds `max_len` or any value is not
/// field-safe.
fn list<'a>(carrier: &'a dyn Extractor, key: &str, max_len: usize) -> Option<Cow<'a, str>> {
    let values = carrier.get_all(key)?;
    let joined_len =
        values.iter().map(|value| value.len()).sum::<usize>() + values.len().saturating_sub(1);
    if joined_len > max_len || !values.iter().all(|value| field_safe(value)) {
        return None;
    }
    let values: Vec<&str> = values
        .into_iter()
        .filter(|value| !value.trim_matches([' ', '\t']).is_empty())
        .collect();
    match values.as_slice() {
        [] => None,
        [value] => Some(Cow::Borrowed(*value)),
        _ => Some(Cow::Owned(values.join(","))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use opentelemetry::KeyValue;
    use opentelemetry::baggage::BaggageExt;
    use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState};
    use serde_json::json;

    const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SPAN_ID: &str = "00f067aa0ba902b7";
    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const OTHER: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    /// A local (not remote) span context with tracestate, plus baggage.
    fn local_context(flags: TraceFlags) -> Context {
        let state = TraceState::from_key_value([("vendor", "opaque"), ("other", "x1")]).unwrap();
        let span_context = SpanContext::new(
            TraceId::from_hex(TRACE_ID).unwrap(),
            SpanId::from_hex(SPAN_ID).unwrap(),
            flags,
            false,
            state,
        );
        Context::new()
            .with_remote_span_context(span_context)
            .with_baggage(vec![
                KeyValue::new("user_id", "42"),
                KeyValue::new("tenant", "acme corp"),
            ])
    }

    fn span_context(cx: &Context) -> SpanContext {
        cx.span().span_context().clone()
    }

    fn assert_round_trip(carrier: &str, sent: &Context, received: &Context) {
        let (sent_sc, received_sc) = (span_context(sent), span_context(received));
        assert!(received_sc.is_valid(), "{carrier}: no span context");
        assert_eq!(received_sc.trace_id(), sent_sc.trace_id(), "{carrier}");
        assert_eq!(received_sc.span_id(), sent_sc.span_id(), "{carrier}");
        assert_eq!(
            received_sc.trace_flags(),
            sent_sc.trace_flags(),
            "{carrier}"
        );
        assert_eq!(
            received_sc.trace_state().header(),
            "vendor=opaque,other=x1",
            "{carrier}"
        );
        assert!(received_sc.is_remote(), "{carrier}: not remote");
        let baggage = received.baggage();
        assert_eq!(baggage.len(), 2, "{carrier}");
        assert_eq!(
            baggage.get("user_id").map(|v| v.as_str()),
            Some("42"),
            "{carrier}"
        );
        assert_eq!(
            baggage.get("tenant").map(|v| v.as_str()),
            Some("acme corp"),
            "{carrier}"
        );
    }

    #[test]
    fn round_trip_through_every_carrier() {
        for flags in [TraceFlags::SAMPLED, TraceFlags::NOT_SAMPLED] {
            let sent = local_context(flags);

            let mut map = HashMap::new();
            inject_map(&sent, &mut map);
            assert_round_trip("map", &sent, &extract_map(&map));

            let mut headers = HeaderMap::new();
            inject_headers(&sent, &mut headers);
            assert_round_trip("headers", &sent, &extract_headers(&headers));

            let mut meta = Map::new();
            inject_json(&sent, &mut meta);
            // Through serialization, as a message would travel.
            let wire = serde_json::to_string(&Value::Object(meta)).unwrap();
            let meta: Value = serde_json::from_str(&wire).unwrap();
            assert_round_trip("json", &sent, &extract_json(&meta));

            assert_round_trip("dyn", &sent, &extract(&HeaderCarrier(&headers)));
        }
    }

    #[test]
    fn sampled_flag_is_preserved_both_ways() {
        for (flags, suffix) in [
            (TraceFlags::NOT_SAMPLED, "-00"),
            (TraceFlags::SAMPLED, "-01"),
        ] {
            let mut map = HashMap::new();
            inject_map(&local_context(flags), &mut map);
            assert!(map[TRACEPARENT].ends_with(suffix), "{}", map[TRACEPARENT]);

            let incoming = format!("00-{TRACE_ID}-{SPAN_ID}{suffix}");
            let map = HashMap::from([(TRACEPARENT.to_owned(), incoming)]);
            let received = span_context(&extract_map(&map));
            assert!(received.is_valid());
            assert_eq!(received.trace_flags(), flags);
            assert_eq!(received.is_sampled(), flags.is_sampled());
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Expect {
        /// A remote parent with TRACE_ID / SPAN_ID and this sampled flag.
        Valid { sampled: bool },
        /// No remote parent.
        Invalid,
    }
    use Expect::{Invalid, Valid};

    /// `traceparent` values. Comments mark inputs the opentelemetry_sdk 0.33
    /// `TraceContextPropagator` accepts on its own but W3C does not.
    #[rustfmt::skip]
    const CASES: &[(&str, &str, Expect)] = &[
        ("valid", VALID, Valid { sampled: true }),
        ("valid, not sampled", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", Valid { sampled: false }),
        ("unknown flag bits are cleared", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09", Valid { sampled: true }),
        ("bad hex in trace id", "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01", Invalid),
        ("bad hex in span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902xy-01", Invalid),
        ("bad hex in flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", Invalid),
        ("bad hex in version", "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("uppercase trace id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", Invalid),
        ("uppercase span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", Invalid),
        ("uppercase flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A", Invalid),
        // upstream accepts (version 0x0A)
        ("uppercase version", "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("version ff", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("future version, four fields", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Valid { sampled: true }),
        ("future version, extra fields", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like", Valid { sampled: true }),
        ("future version, not sampled, extra field", "fe-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-0123", Valid { sampled: false }),
        ("future version, flags not followed by dash", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01what", Invalid),
        ("version 00, extra field", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-ab", Invalid),
        // upstream accepts (split_terminator drops the empty last field)
        ("version 00, trailing dash", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", Invalid),
        ("all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", Invalid),
        ("all-zero span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", Invalid),
        // upstream accepts (left-pads to 128 bits)
        ("short trace id", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", Invalid),
        // upstream accepts (leading zero fits in u128)
        ("long trace id, zero-padded", "00-04bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("long trace id", "00-4bf92f3577b34da6a3ce929d0e0e47361-00f067aa0ba902b7-01", Invalid),
        // upstream accepts
        ("short span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-f067aa0ba902b7-01", Invalid),
        // upstream accepts (leading zero fits in u64)
        ("long span id, zero-padded", "00-4bf92f3577b34da6a3ce929d0e0e4736-000f067aa0ba902b7-01", Invalid),
        ("long span id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b71-01", Invalid),
        // upstream accepts (from_str_radix takes one digit, a sign, or zero padding)
        ("one-digit version", "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("signed version", "+0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("three-digit version", "000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("signed trace id", "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("one-digit flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1", Invalid),
        ("signed flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-+1", Invalid),
        ("three-digit flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-001", Invalid),
        ("missing flags", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", Invalid),
        ("missing version", "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("extra dashes", "00--4bf92f3577b34da6a3ce929d0e0e4736--00f067aa0ba902b7-01", Invalid),
        ("dash inside trace id", "00-4bf92f3577b34da6-3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("underscores", "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", Invalid),
        ("empty", "", Invalid),
        ("only dashes", "---", Invalid),
        ("whitespace-padded (HTTP OWS)", "  00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t", Valid { sampled: true }),
        ("inner whitespace", "00- 4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        // upstream accepts (str::trim strips any Unicode whitespace)
        ("newline-padded", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\n", Invalid),
        ("no-break-space-padded", "\u{a0}00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Invalid),
        ("non-ASCII digit", "00-4bf92f3577b34da6a3ce929d0e0e473\u{0664}-00f067aa0ba902b7-01", Invalid),
        ("non-ASCII suffix on a future version", "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-\u{e9}", Invalid),
        ("NUL byte", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\0", Invalid),
    ];

    /// CASES plus generated values around the size limit.
    fn cases() -> Vec<(&'static str, String, Expect)> {
        let future = |len: usize| {
            let mut value = format!("cc-{TRACE_ID}-{SPAN_ID}-01-");
            value.extend(std::iter::repeat_n('a', len - value.len()));
            value
        };
        let mut cases: Vec<_> = CASES
            .iter()
            .map(|&(name, value, expect)| (name, value.to_owned(), expect))
            .collect();
        cases.extend([
            (
                "10 KB value",
                format!("{VALID}-{}", "a".repeat(10 * 1024)),
                Invalid,
            ),
            // upstream accepts: the zeros parse away in from_str_radix.
            (
                "10 KB zero-padded trace id",
                format!("00-{}{TRACE_ID}-{SPAN_ID}-01", "0".repeat(10 * 1024)),
                Invalid,
            ),
            (
                "future version at the 512-byte limit",
                future(512),
                Valid { sampled: true },
            ),
            (
                "future version over the 512-byte limit",
                future(513),
                Invalid,
            ),
        ]);
        cases
    }

    /// The same traceparent through every carrier that can hold it.
    fn carriers(traceparent: &str) -> Vec<(&'static str, Context)> {
        let mut received = Vec::new();
        let map = HashMap::from([(TRACEPARENT.to_owned(), traceparent.to_owned())]);
        received.push(("map", extract_map(&map)));
        // Values HeaderValue cannot hold (control characters) cannot arrive
        // in a header at all; bytes >= 0x80 can, and must be ignored.
        if let Ok(value) = HeaderValue::from_bytes(traceparent.as_bytes()) {
            let mut headers = HeaderMap::new();
            headers.insert(TRACEPARENT, value);
            received.push(("headers", extract_headers(&headers)));
        }
        let meta = json!({ JSON_KEY: { TRACEPARENT: traceparent } });
        received.push(("json", extract_json(&meta)));
        received
    }

    #[test]
    fn traceparent_table() {
        let expected_trace_id = TraceId::from_hex(TRACE_ID).unwrap();
        let expected_span_id = SpanId::from_hex(SPAN_ID).unwrap();
        for (name, traceparent, expect) in cases() {
            for (carrier, cx) in carriers(&traceparent) {
                let label = format!("{name} via {carrier}");
                let parent = RemoteParent::from_context(&cx, TrustPolicy::Parent);
                let link = RemoteParent::from_context(&cx, TrustPolicy::Link);
                let ignore = RemoteParent::from_context(&cx, TrustPolicy::Ignore);
                assert!(matches!(ignore, RemoteParent::None), "{label}: Ignore");
                match expect {
                    Invalid => {
                        assert!(!span_context(&cx).is_valid(), "{label}: accepted");
                        assert!(matches!(parent, RemoteParent::None), "{label}: Parent");
                        assert!(matches!(link, RemoteParent::None), "{label}: Link");
                    }
                    Valid { sampled } => {
                        let RemoteParent::Parent(parent_cx) = &parent else {
                            panic!("{label}: Parent gave {parent:?}");
                        };
                        let RemoteParent::Link(linked) = &link else {
                            panic!("{label}: Link gave {link:?}");
                        };
                        for sc in [&span_context(parent_cx), linked] {
                            assert_eq!(sc.trace_id(), expected_trace_id, "{label}");
                            assert_eq!(sc.span_id(), expected_span_id, "{label}");
                            assert_eq!(sc.is_sampled(), sampled, "{label}");
                            assert!(sc.is_remote(), "{label}");
                        }
                        assert!(parent.link().is_none() && parent.parent_context().is_some());
                        assert!(link.parent_context().is_none() && link.link().is_some());
                    }
                }
            }

            // TrustPolicy::apply agrees with extract + from_context.
            let map = HashMap::from([(TRACEPARENT.to_owned(), traceparent.clone())]);
            let valid = expect != Invalid;
            assert_eq!(
                TrustPolicy::Parent.apply(&map).parent_context().is_some(),
                valid,
                "{name}: apply(Parent)"
            );
            assert_eq!(
                TrustPolicy::Link.apply(&map).link().is_some(),
                valid,
                "{name}: apply(Link)"
            );
            assert!(matches!(
                TrustPolicy::Ignore.apply(&map),
                RemoteParent::None
            ));
        }
    }

    #[test]
    fn default_policy_is_link() {
        assert_eq!(TrustPolicy::default(), TrustPolicy::Link);
    }

    fn headers(entries: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for &(name, value) in entries {
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
            headers.append(name, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    fn apply_headers(policy: TrustPolicy, headers: &HeaderMap) -> RemoteParent {
        policy.apply(&HeaderCarrier(headers))
    }

    #[test]
    fn header_names_are_case_insensitive() {
        let headers = headers(&[("TraceParent", VALID), ("TRACESTATE", "a=1")]);
        let link = apply_headers(TrustPolicy::Link, &headers);
        let link = link.link().expect("a link");
        assert_eq!(link.trace_state().header(), "a=1");
    }

    #[test]
    fn duplicate_traceparent_headers_are_invalid() {
        for policy in [TrustPolicy::Parent, TrustPolicy::Link] {
            let same = headers(&[(TRACEPARENT, VALID), (TRACEPARENT, VALID)]);
            assert!(matches!(apply_headers(policy, &same), RemoteParent::None));

            let conflicting = headers(&[(TRACEPARENT, VALID), (TRACEPARENT, OTHER)]);
            assert!(matches!(
                apply_headers(policy, &conflicting),
                RemoteParent::None
            ));
        }
        // The carrier itself refuses to pick one, even for other propagators.
        let same = headers(&[(TRACEPARENT, VALID), (TRACEPARENT, VALID)]);
        assert_eq!(HeaderCarrier(&same).get(TRACEPARENT), None);
        assert_eq!(
            HeaderCarrier(&same).get_all(TRACEPARENT),
            Some(vec![VALID, VALID])
        );
    }

    #[test]
    fn tracestate_headers_are_combined() {
        let headers = headers(&[
            (TRACEPARENT, VALID),
            (TRACESTATE, "a=1,b=2"),
            (TRACESTATE, "c=3"),
        ]);
        let cx = extract_headers(&headers);
        assert_eq!(span_context(&cx).trace_state().header(), "a=1,b=2,c=3");
    }

    #[test]
    fn oversized_tracestate_is_dropped_but_parent_kept() {
        let big = format!("a={}", "x".repeat(10 * 1024));
        // Two values, each under the limit, joined over it.
        let half = (1..=2)
            .map(|i| format!("k{i}={}", "v".repeat(250)))
            .collect::<Vec<_>>();
        let cases = [
            headers(&[(TRACEPARENT, VALID), (TRACESTATE, &big)]),
            headers(&[
                (TRACEPARENT, VALID),
                (TRACESTATE, &format!("{},{}", half[0], half[1])),
                (TRACESTATE, &half[0].replace("k1", "k3")),
            ]),
        ];
        for headers in &cases {
            let cx = extract_headers(headers);
            let sc = span_context(&cx);
            assert!(sc.is_valid());
            assert_eq!(sc.trace_state().header(), "");
        }
        // Same through the map and JSON carriers.
        let map = HashMap::from([
            (TRACEPARENT.to_owned(), VALID.to_owned()),
            (TRACESTATE.to_owned(), big.clone()),
        ]);
        assert_eq!(span_context(&extract_map(&map)).trace_state().header(), "");
        assert!(span_context(&extract_map(&map)).is_valid());
        let meta = json!({ JSON_KEY: { TRACEPARENT: VALID, TRACESTATE: big } });
        let sc = span_context(&extract_json(&meta));
        assert!(sc.is_valid());
        assert_eq!(sc.trace_state().header(), "");
    }

    #[test]
    fn tracestate_at_the_limit_is_kept() {
        // 2 members of 255 bytes plus a comma: 511 bytes.
        let state = (1..=2)
            .map(|i| format!("k{i}={}", "v".repeat(252)))
            .collect::<Vec<_>>()
            .join(",");
        assert!(state.len() <= MAX_TRACESTATE_LEN);
        let headers = headers(&[(TRACEPARENT, VALID), (TRACESTATE, &state)]);
        let cx = extract_headers(&headers);
        assert_eq!(span_context(&cx).trace_state().header(), state);
    }

    #[test]
    fn oversized_baggage_is_dropped() {
        let big = format!("key={}", "v".repeat(10 * 1024));
        let headers = headers(&[(TRACEPARENT, VALID), (BAGGAGE, &big)]);
        let cx = extract_headers(&headers);
        assert_eq!(cx.baggage().len(), 0);
        assert!(span_context(&cx).is_valid());

        let meta = json!({ JSON_KEY: { TRACEPARENT: VALID, BAGGAGE: big } });
        assert_eq!(extract_json(&meta).baggage().len(), 0);

        // And it is not sent either.
        let huge = Context::new().with_baggage(vec![KeyValue::new("k", ";".repeat(8000))]);
        let mut map = HashMap::new();
        inject_map(&huge, &mut map);
        assert_eq!(map.get(BAGGAGE), None);
    }

    #[test]
    fn baggage_headers_are_combined() {
        let headers = headers(&[(BAGGAGE, "a=1"), (BAGGAGE, "b=2")]);
        let cx = extract_headers(&headers);
        assert_eq!(cx.baggage().get("a").map(|v| v.as_str()), Some("1"));
        assert_eq!(cx.baggage().get("b").map(|v| v.as_str()), Some("2"));
        // Baggage alone is no parent.
        assert!(matches!(
            RemoteParent::from_context(&cx, TrustPolicy::Parent),
            RemoteParent::None
        ));
    }

    #[test]
    fn non_ascii_header_values_are_ignored() {
        let mut headers = HeaderMap::new();
        let obs_text = format!("{VALID}-\u{e9}");
        headers.insert(
            TRACEPARENT,
            HeaderValue::from_bytes(obs_text.as_bytes()).unwrap(),
        );
        assert!(!span_context(&extract_headers(&headers)).is_valid());

        headers.insert(TRACEPARENT, HeaderValue::from_static(VALID));
        headers.insert(
            TRACESTATE,
            HeaderValue::from_bytes("a=\u{e9}".as_bytes()).unwrap(),
        );
        headers.insert(
            BAGGAGE,
            HeaderValue::from_bytes(&[b'a', b'=', 0xff]).unwrap(),
        );
        let cx = extract_headers(&headers);
        assert!(span_context(&cx).is_valid());
        assert_eq!(span_context(&cx).trace_state().header(), "");
        assert_eq!(cx.baggage().len(), 0);
    }

    #[test]
    fn json_shapes_that_are_not_trace_context() {
        let metas = [
            // meta not an object
            json!(null),
            json!(42),
            json!("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            json!([{ JSON_KEY: { TRACEPARENT: VALID } }]),
            // JSON_KEY not an object
            json!({ JSON_KEY: VALID }),
            json!({ JSON_KEY: [VALID] }),
            json!({ JSON_KEY: [[TRACEPARENT, VALID]] }),
            json!({ JSON_KEY: null }),
            json!({ JSON_KEY: 7 }),
            // traceparent not a string
            json!({ JSON_KEY: { TRACEPARENT: 42 } }),
            json!({ JSON_KEY: { TRACEPARENT: 1.5e300 } }),
            json!({ JSON_KEY: { TRACEPARENT: null } }),
            json!({ JSON_KEY: { TRACEPARENT: [VALID] } }),
            json!({ JSON_KEY: { TRACEPARENT: { "value": VALID } } }),
            json!({ JSON_KEY: { TRACEPARENT: true } }),
            // keys are exact
            json!({ JSON_KEY: { "TraceParent": VALID } }),
            json!({ "Trace_Context": { TRACEPARENT: VALID } }),
            // the fields at the top level are not read
            json!({ TRACEPARENT: VALID }),
        ];
        for meta in &metas {
            let cx = extract_json(meta);
            assert!(!span_context(&cx).is_valid(), "{meta}");
            for policy in [TrustPolicy::Parent, TrustPolicy::Link, TrustPolicy::Ignore] {
                let remote = RemoteParent::from_context(&cx, policy);
                assert!(matches!(remote, RemoteParent::None), "{meta} {policy:?}");
            }
        }
    }

    #[test]
    fn json_non_string_tracestate_and_baggage_are_ignored() {
        let meta = json!({ JSON_KEY: {
            TRACEPARENT: VALID,
            TRACESTATE: ["a=1"],
            BAGGAGE: { "k": "v" },
        } });
        let cx = extract_json(&meta);
        assert!(span_context(&cx).is_valid());
        assert_eq!(span_context(&cx).trace_state().header(), "");
        assert_eq!(cx.baggage().len(), 0);
    }

    #[test]
    fn inject_json_writes_one_object_and_removes_stale_context() {
        let mut meta = Map::new();
        meta.insert("other".to_owned(), json!(1));
        inject_json(&local_context(TraceFlags::SAMPLED), &mut meta);
        let object = meta[JSON_KEY].as_object().expect("an object");
        assert_eq!(object[TRACEPARENT], VALID);
        assert_eq!(object[TRACESTATE], "vendor=opaque,other=x1");
        assert!(object[BAGGAGE].as_str().unwrap().contains("user_id=42"));

        inject_json(&Context::new(), &mut meta);
        assert!(!meta.contains_key(JSON_KEY));
        assert_eq!(meta["other"], 1);
    }

    #[test]
    fn inject_replaces_stale_entries() {
        let stale = headers(&[
            (TRACEPARENT, OTHER),
            (TRACEPARENT, OTHER),
            (TRACESTATE, "stale=1"),
            (BAGGAGE, "stale=1"),
        ]);
        let mut fresh = stale.clone();
        let cx = local_context(TraceFlags::SAMPLED);
        inject_headers(&cx, &mut fresh);
        assert_eq!(fresh.get_all(TRACEPARENT).iter().count(), 1);
        assert_eq!(fresh[TRACEPARENT], VALID);
        assert_round_trip("headers", &cx, &extract_headers(&fresh));

        // An empty context clears them; no empty tracestate is written.
        let mut cleared = stale;
        inject_headers(&Context::new(), &mut cleared);
        assert!(cleared.is_empty(), "{cleared:?}");

        let mut map = HashMap::from([
            (TRACEPARENT.to_owned(), OTHER.to_owned()),
            (BAGGAGE.to_owned(), "stale=1".to_owned()),
        ]);
        let no_state = Context::new().with_remote_span_context(SpanContext::new(
            TraceId::from_hex(TRACE_ID).unwrap(),
            SpanId::from_hex(SPAN_ID).unwrap(),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ));
        inject_map(&no_state, &mut map);
        assert_eq!(
            map,
            HashMap::from([(TRACEPARENT.to_owned(), VALID.to_owned())])
        );
    }

    #[test]
    fn extract_never_falls_back_to_the_current_context() {
        let _guard = local_context(TraceFlags::SAMPLED).attach();
        let cx = extract_map(&HashMap::new());
        assert!(!span_context(&cx).is_valid());
        assert_eq!(cx.baggage().len(), 0);
        assert!(matches!(
            TrustPolicy::Parent.apply(&HashMap::<String, String>::new()),
            RemoteParent::None
        ));
    }

    #[test]
    fn header_injector_skips_invalid_names_and_values() {
        let mut headers = HeaderMap::new();
        let mut carrier = HeaderCarrierMut(&mut headers);
        carrier.set("bad name", "v".to_owned());
        carrier.set("good", "line\nbreak".to_owned());
        carrier.set("Good", "ok".to_owned());
        assert_eq!(headers.len(), 1);
        assert_eq!(headers["good"], "ok");
    }

    /// `OTEL_PROPAGATORS` picks what is carried: each format alone, both
    /// (the default), or nothing at all, on the way out and on the way in.
    #[test]
    fn the_propagators_choose_what_is_carried() {
        let sent = local_context(TraceFlags::SAMPLED);
        let both = Propagators::default();
        let mut full = HashMap::new();
        inject_with(both, &sent, &mut full);
        assert!(full.contains_key(TRACEPARENT) && full.contains_key(BAGGAGE));

        for (propagators, keys) in [
            (Propagators::TRACE_CONTEXT, &[TRACEPARENT, TRACESTATE][..]),
            (Propagators::BAGGAGE, &[BAGGAGE][..]),
            (both, &[TRACEPARENT, TRACESTATE, BAGGAGE][..]),
            (Propagators::NONE, &[][..]),
        ] {
            let mut map = HashMap::new();
            inject_with(propagators, &sent, &mut map);
            let mut written: Vec<&str> = map.keys().map(String::as_str).collect();
            written.sort_unstable();
            let mut expected = keys.to_vec();
            expected.sort_unstable();
            assert_eq!(written, expected, "{propagators:?} writes");

            // Reading a carrier that holds everything takes only what is
            // carried.
            let received = extract_with(propagators, &full);
            assert_eq!(
                received.span().span_context().is_valid(),
                propagators.trace_context(),
                "{propagators:?} reads traceparent"
            );
            assert_eq!(
                received.baggage().get("tenant").is_some(),
                propagators.baggage(),
                "{propagators:?} reads baggage"
            );
        }
        assert_eq!(format!("{:?}", Propagators::NONE), "Propagators(none)");
        assert_eq!(format!("{both:?}"), "Propagators(tracecontext,baggage)");
    }
}
