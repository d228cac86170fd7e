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

// One job a file: which formats are carried (`formats`), writing them
// (`outgoing`), reading and validating untrusted input (`incoming`,
// `validate`, with the field names and limits in `fields`), the carriers
// themselves (`headers`, `map`, `json`) and what an incoming context
// becomes (`trust`).
mod fields;
mod formats;
mod headers;
mod incoming;
mod json;
mod map;
mod outgoing;
mod trust;
mod validate;

#[cfg(test)]
mod tests;

pub use formats::{Propagators, propagators, set_propagators};
pub use headers::{HeaderCarrier, HeaderCarrierMut, extract_headers, inject_headers};
pub use incoming::extract;
pub use json::{JSON_KEY, JsonCarrier, JsonCarrierMut, extract_json, inject_json};
pub use map::{extract_map, inject_map};
pub use outgoing::inject;
pub use trust::{RemoteParent, TrustPolicy};
