//! Per-handler head sampling: `#[span(sample = 0.1)]`.
//!
//! A handler's rate is applied by [`HandlerSampler`], which wraps the
//! configured sampler. [`tracewire::init`](crate::init) and the testing
//! pipeline install it; a provider you build yourself needs
//! `HandlerSampler::new(your_sampler)` for `sample = ..` to take effect,
//! installed with
//! [`set_handler_sampled_tracer_provider`](crate::export::set_handler_sampled_tracer_provider)
//! so that handlers under an unsampled local parent skip the SDK.
//!
//! The rule keeps traces whole:
//!
//! - A span with a local parent (and a handler span with any valid parent)
//!   follows the parent's decision: a sampled parent never gets an
//!   unsampled child, nor the reverse, so no orphans. Spans under a remote
//!   parent without a rate of their own are left to the wrapped sampler.
//! - A root span is sampled when the wrapped sampler samples it *and* the
//!   trace id falls under the handler's rate. The test on the trace id is the
//!   one `TraceIdRatioBased` uses, so the decision is a pure function of the
//!   trace id. With a global ratio sampler as well, the effective rate is the
//!   smaller of the two.
//!
//! The handler's rate reaches the sampler through a thread-local set only
//! around the span's start, so it costs no allocation and no attribute.

use std::cell::Cell;

use opentelemetry::trace::{Link, SpanContext, SpanKind, TraceContextExt, TraceId};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{Sampler, SamplingDecision, SamplingResult, ShouldSample};

thread_local! {
    static HANDLER_RATE: Cell<Option<f64>> = const { Cell::new(None) };
}

/// Runs `start` with `rate` visible to [`HandlerSampler`] on this thread.
pub(crate) fn with_handler_rate<T>(rate: Option<f64>, start: impl FnOnce() -> T) -> T {
    let Some(rate) = rate else { return start() };
    let previous = HANDLER_RATE.with(|r| r.replace(Some(rate)));
    let value = start();
    HANDLER_RATE.with(|r| r.set(previous));
    value
}

/// Whether `trace_id` falls under `rate`, exactly as `TraceIdRatioBased`
/// decides it. Tests predict decisions with it through
/// `tracewire::testing::trace_id_under_rate`.
pub(crate) fn trace_id_under_rate(trace_id: TraceId, rate: f64) -> bool {
    if rate >= 1.0 {
        return true;
    }
    let upper = (rate.max(0.0) * (1u64 << 63) as f64) as u64;
    let bytes = trace_id.to_bytes();
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[8..]);
    (u64::from_be_bytes(low) >> 1) < upper
}

/// Whether [`HandlerSampler`] decides a span under `parent` by the parent's
/// own decision, whatever sampler it wraps: a valid local parent always,
/// and a valid remote one when the span has a handler rate.
#[inline]
pub(crate) fn follows_parent(parent: &SpanContext, rate: Option<f64>) -> bool {
    parent.is_valid() && (!parent.is_remote() || rate.is_some())
}

/// A sampler that applies per-handler `sample = ..` rates on top of another
/// sampler. See the module documentation for the rule.
///
/// # Examples
///
/// ```
/// use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
/// use tracewire::sampling::HandlerSampler;
///
/// let sampler = HandlerSampler::new(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)));
/// let provider = SdkTracerProvider::builder().with_sampler(sampler).build();
/// tracewire::export::set_handler_sampled_tracer_provider(provider.clone());
/// # let _ = provider.shutdown();
/// ```
#[derive(Clone, Debug)]
pub struct HandlerSampler {
    inner: Sampler,
}

impl HandlerSampler {
    /// Wraps `inner`, which decides for every span that has no handler rate.
    pub fn new(inner: Sampler) -> Self {
        HandlerSampler { inner }
    }
}

impl ShouldSample for HandlerSampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        span_kind: &SpanKind,
        attributes: &[KeyValue],
        links: &[Link],
    ) -> SamplingResult {
        let rate = HANDLER_RATE.with(Cell::get);
        let parent = parent_context
            .map(|cx| cx.span().span_context().clone())
            .filter(|sc| sc.is_valid());
        if let Some(parent) = &parent
            && follows_parent(parent, rate)
        {
            // Follow the parent, whatever the wrapped sampler is. A local
            // parent that was dropped by a handler's rate must take its
            // children with it, or they would be exported as orphans.
            let decision = if parent.is_sampled() {
                SamplingDecision::RecordAndSample
            } else {
                SamplingDecision::Drop
            };
            return SamplingResult {
                decision,
                attributes: Vec::new(),
                trace_state: parent.trace_state().clone(),
            };
        }
        let inner =
            self.inner
                .should_sample(parent_context, trace_id, name, span_kind, attributes, links);
        match rate {
            Some(rate) if parent.is_none() && !trace_id_under_rate(trace_id, rate) => {
                SamplingResult {
                    decision: SamplingDecision::Drop,
                    attributes: Vec::new(),
                    trace_state: inner.trace_state,
                }
            }
            _ => inner,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_test_matches_the_ratio_sampler() {
        let ratio = Sampler::TraceIdRatioBased(0.25);
        for i in 0..2_000u128 {
            let id = TraceId::from(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835));
            let sdk = ratio
                .should_sample(None, id, "x", &SpanKind::Internal, &[], &[])
                .decision;
            assert_eq!(
                trace_id_under_rate(id, 0.25),
                sdk == SamplingDecision::RecordAndSample,
                "trace id {id}"
            );
        }
    }

    #[test]
    fn without_a_handler_rate_the_inner_sampler_decides() {
        let sampler = HandlerSampler::new(Sampler::AlwaysOn);
        let result = sampler.should_sample(
            None,
            TraceId::from(1u128),
            "x",
            &SpanKind::Internal,
            &[],
            &[],
        );
        assert_eq!(result.decision, SamplingDecision::RecordAndSample);
    }
}
