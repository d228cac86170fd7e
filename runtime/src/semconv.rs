//! Attribute, event and metric names tracewire writes, in one place.
//!
//! Where OpenTelemetry's semantic conventions define a name, that name is
//! used. Names under `tracewire.` are tracewire's own.

/// The instrumentation scope tracewire's spans and metrics are reported
/// under.
pub const INSTRUMENTATION_SCOPE: &str = "tracewire";
/// Low-cardinality class of the failure (`error.type`).
pub const ERROR_TYPE: &str = "error.type";
/// The event recorded for a failed handler (`exception`).
pub const EXCEPTION_EVENT: &str = "exception";
/// Type of the exception (`exception.type`) on the [`EXCEPTION_EVENT`].
pub const EXCEPTION_TYPE: &str = "exception.type";
/// Message of the exception (`exception.message`) on the [`EXCEPTION_EVENT`].
pub const EXCEPTION_MESSAGE: &str = "exception.message";
/// The `error.type` and `exception.type` recorded when a handler panics.
pub const PANIC_TYPE: &str = "panic";
/// Set to `true` on a span whose handler future was dropped before it
/// completed (cancellation). The status is left unset: being cancelled is not
/// by itself a failure of the handler.
pub const CANCELLED: &str = "tracewire.cancelled";
/// The event recorded when a handler future is dropped before completion.
pub const CANCELLED_EVENT: &str = "cancelled";
/// The fixed mask recorded in place of an argument listed in `redact(..)`.
pub const REDACTED: &str = "[REDACTED]";

/// The request method of an HTTP server span (`http.request.method`), one of
/// the standard methods or `_OTHER`.
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
/// The path of the request an HTTP server span serves (`url.path`), without
/// the query.
pub const URL_PATH: &str = "url.path";

// Metrics: every instrument tracewire registers, and its attributes.

/// Duration of traced handler calls, a histogram in seconds with the
/// attributes [`HANDLER`] and [`OUTCOME`].
pub const HANDLER_DURATION: &str = "tracewire.handler.duration";
/// Traced handler calls, a counter with the same attributes as
/// [`HANDLER_DURATION`].
pub const HANDLER_CALLS: &str = "tracewire.handler.calls";
/// Which handler a [`HANDLER_DURATION`] or [`HANDLER_CALLS`] point is for:
/// its span name.
pub const HANDLER: &str = "handler";
/// How the handler call ended: `ok`, `error` (an `Err`, an error outcome or
/// a panic) or `cancelled`.
pub const OUTCOME: &str = "outcome";
/// Times a channel server limit refused or cut something, a counter with
/// the attribute [`LIMIT`] naming the limit (`channels`, `topic_length`, ...).
pub const CHANNEL_LIMIT_HITS: &str = "tracewire.channel.limit_hits";
/// Which limit a [`CHANNEL_LIMIT_HITS`] count is for.
pub const LIMIT: &str = "limit";
/// Counter (`{message}`): broadcasts and node messages a PubSub adapter did
/// not get to the other nodes, by [`REASON`].
pub const PUBSUB_UNPUBLISHED: &str = "tracewire.pubsub.unpublished";
/// Counter (`{message}`): what a node received from its PubSub adapter and
/// ignored (not an envelope, or a bad trace context), by [`REASON`].
pub const PUBSUB_REJECTED: &str = "tracewire.pubsub.rejected";
/// Why a message was unpublished or rejected.
pub const REASON: &str = "reason";
/// Observable counter (`{span}`): spans dropped because an export queue
/// was full, by [`EXPORTER`].
pub const EXPORT_DROPPED_SPANS: &str = "tracewire.export.dropped_spans";
/// Observable counter (`{span}`): spans whose export failed or timed out,
/// by [`EXPORTER`].
pub const EXPORT_FAILED_SPANS: &str = "tracewire.export.failed_spans";
/// Which exporter an export count is for: `otlp` or `terminal`.
pub const EXPORTER: &str = "exporter";

/// The most bytes of a string tracewire records as an attribute on its own
/// initiative: an argument recorded by default, or a client-supplied value
/// such as a user agent. A longer one is cut at a character boundary and
/// ends with `…`.
pub const MAX_RECORDED_STRING: usize = 256;

/// The attribute holding the level (`"INFO"`, `"WARN"`, ...) of a span
/// event made from a `tracing` event, the name tracing-opentelemetry
/// gives it too. The terminal exporter shows it before the event's name.
pub const TRACING_LEVEL: &str = "level";
/// The attribute holding the target (by default the module path) of a span
/// event made from a `tracing` event.
pub const TRACING_TARGET: &str = "target";
