//! Predicting sampling decisions: which trace ids a handler's
//! `sample = ..` rate keeps, so a test can check that exactly those were.

use opentelemetry::trace::TraceId;

/// Whether a root span with `trace_id` is kept by a handler rate of `rate`
/// (`#[span(sample = ..)]`): the test `TraceIdRatioBased` makes on the
/// same trace id, so the decision is a pure function of it. Every span a
/// test captured under that rate has a trace id for which this is `true`.
///
/// ```
/// use tracewire::opentelemetry::trace::TraceId;
/// use tracewire::testing::trace_id_under_rate;
///
/// let id = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
/// assert!(trace_id_under_rate(id, 1.0));
/// assert!(!trace_id_under_rate(id, 0.0));
/// ```
pub fn trace_id_under_rate(trace_id: TraceId, rate: f64) -> bool {
    crate::sampling::trace_id_under_rate(trace_id, rate)
}
