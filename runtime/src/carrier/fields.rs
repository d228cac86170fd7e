//! The W3C fields the carriers hold, and the most of each that is read.

/// The W3C Trace Context parent header.
pub(super) const TRACEPARENT: &str = "traceparent";
/// The W3C Trace Context vendor state header.
pub(super) const TRACESTATE: &str = "tracestate";
/// The W3C Baggage header.
pub(super) const BAGGAGE: &str = "baggage";

/// Longest `traceparent` considered at all (ours: version 00 is 55 bytes).
pub(super) const MAX_TRACEPARENT_LEN: usize = 512;
/// Longest combined `tracestate` kept (W3C Trace Context §3.3.1.5).
pub(super) const MAX_TRACESTATE_LEN: usize = 512;
/// Longest combined `baggage` kept (W3C Baggage, "Limits").
pub(super) const MAX_BAGGAGE_LEN: usize = 8192;
/// Length of a version-00 `traceparent`, and of the part of any version that
/// this implementation understands.
pub(super) const TRACEPARENT_LEN: usize = 55;
