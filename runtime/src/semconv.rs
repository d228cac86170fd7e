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

/// Duration of traced handler calls, a histogram in seconds with the
/// attributes `handler` (the span name) and `outcome` (`ok`, `error` or
/// `cancelled`).
pub const HANDLER_DURATION: &str = "tracewire.handler.duration";
/// Traced handler calls, a counter with the same attributes as
/// [`HANDLER_DURATION`].
pub const HANDLER_CALLS: &str = "tracewire.handler.calls";
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
/// The most bytes of a string tracewire records as an attribute on its own
/// initiative: an argument recorded by default, or a client-supplied value
/// such as a user agent. A longer one is cut at a character boundary and
/// ends with `…`.
pub const MAX_RECORDED_STRING: usize = 256;
