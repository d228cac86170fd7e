//! Per-handler head sampling (`sample = ..`) and handler metrics.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use opentelemetry::Context;
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use opentelemetry_sdk::trace::{IdGenerator, RandomIdGenerator, Sampler, SdkTracerProvider};
use tracewire::prelude::*;
use tracewire::sampling::HandlerSampler;
use tracewire::testing::{TestTracing, trace_id_under_rate};

#[traced(name = "worker.process", sample = 0.1)]
fn process(n: u64) -> u64 {
    step(n)
}

#[traced(name = "worker.step")]
fn step(n: u64) -> u64 {
    n + 1
}

const CALLS: u64 = 10_000;

/// Sampled roots out of `CALLS`, checked to be within five standard
/// deviations of `rate`: a false failure is a one-in-three-million event.
fn assert_rate_within_bounds(sampled: usize, rate: f64) {
    let n = CALLS as f64;
    let expected = n * rate;
    let sigma = (n * rate * (1.0 - rate)).sqrt();
    let deviation = (sampled as f64 - expected).abs();
    assert!(
        deviation <= 5.0 * sigma,
        "{sampled} of {CALLS} sampled; expected {expected} ± {}",
        5.0 * sigma
    );
}

#[test]
fn handler_rate_holds_over_ten_thousand_roots_with_no_orphans() {
    let tracing = TestTracing::install();
    for i in 0..CALLS {
        assert_eq!(process(i), i + 1);
    }
    let tree = tracing.tree();
    let roots = tree.spans_named("worker.process");
    let children = tree.spans_named("worker.step");
    assert_rate_within_bounds(roots.len(), 0.1);
    // Parent-based: every sampled root has its child, and no child was
    // sampled without its parent.
    assert_eq!(children.len(), roots.len());
    for child in &children {
        child.assert_parent("worker.process");
    }
    // Deterministic in the trace id: each kept root's id is under the rate.
    for root in &roots {
        root.assert_root();
        assert!(trace_id_under_rate(
            root.data().span_context.trace_id(),
            0.1
        ));
    }
}

#[test]
fn handler_rate_combines_with_the_global_sampler() {
    let tracing = TestTracing::with_sampler(Sampler::ParentBased(Box::new(
        Sampler::TraceIdRatioBased(0.5),
    )));
    for i in 0..CALLS {
        process(i);
    }
    // Both decide on the same trace id bits, so the stricter rate wins.
    assert_rate_within_bounds(tracing.tree().spans_named("worker.process").len(), 0.1);
    drop(tracing);

    let tracing = TestTracing::with_sampler(Sampler::AlwaysOff);
    for i in 0..1_000 {
        process(i);
    }
    assert!(tracing.tree().is_empty());
}

#[traced(name = "batch")]
fn sampled_parent() {
    // Under a sampled parent the handler's rate does not apply: dropping the
    // child would leave a hole in a kept trace.
    for i in 0..100 {
        process(i);
    }
}

#[test]
fn children_with_a_rate_follow_a_sampled_parent() {
    let tracing = TestTracing::install();
    sampled_parent();
    let tree = tracing.tree();
    assert_eq!(tree.spans_named("worker.process").len(), 100);
    for span in tree.spans_named("worker.process") {
        span.assert_parent("batch");
    }
}

#[derive(Debug)]
struct Failure;

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

struct Channel;

#[traced_channel(name = "room")]
impl Channel {
    #[event("message:new")]
    fn message(&self, ok: bool) -> Result<(), Failure> {
        if ok { Ok(()) } else { Err(Failure) }
    }
}

#[test]
fn every_handler_records_duration_and_count_by_outcome() {
    let tracing = TestTracing::install();
    let channel = Channel;
    for i in 0..10 {
        let _ = channel.message(i % 5 != 0);
    }
    let handler = "room.handle_in message:new";
    assert_eq!(tracing.handler_calls(handler, "ok"), 8);
    assert_eq!(tracing.handler_calls(handler, "error"), 2);
    assert_eq!(tracing.handler_durations(handler, "ok"), 8);
    assert_eq!(tracing.handler_durations(handler, "error"), 2);
}

#[test]
fn metrics_count_unsampled_calls_too_and_can_be_switched_off() {
    let tracing = TestTracing::with_sampler(Sampler::AlwaysOff);
    let channel = Channel;
    channel.message(true).expect("ok");
    assert_eq!(tracing.handler_calls("room.handle_in message:new", "ok"), 1);

    tracewire::export::set_handler_metrics_enabled(false);
    channel.message(true).expect("ok");
    tracewire::export::set_handler_metrics_enabled(true);
    assert_eq!(tracing.handler_calls("room.handle_in message:new", "ok"), 1);
}

/// Counts the span ids the SDK hands out: one for every span it starts,
/// sampled or not.
#[derive(Debug, Default)]
struct CountingIds {
    ids: RandomIdGenerator,
    spans: Arc<AtomicUsize>,
}

impl IdGenerator for CountingIds {
    fn new_trace_id(&self) -> TraceId {
        self.ids.new_trace_id()
    }

    fn new_span_id(&self) -> SpanId {
        self.spans.fetch_add(1, Ordering::Relaxed);
        self.ids.new_span_id()
    }
}

#[traced(name = "worker.under_unsampled")]
fn sees_context() -> SpanContext {
    Context::current().span().span_context().clone()
}

#[test]
fn under_an_unsampled_local_parent_a_handler_sampled_provider_skips_the_sdk() {
    // Holds the capture lock, so no other test installs a provider meanwhile.
    let _serial = TestTracing::install();
    let parent_sc = SpanContext::new(
        TraceId::from(7u128),
        SpanId::from(9u64),
        TraceFlags::default(),
        false,
        TraceState::NONE,
    );
    let parent = Context::new().with_remote_span_context(parent_sc.clone());
    for (handler_sampled, sdk_spans) in [(true, 0), (false, 1)] {
        let ids = CountingIds::default();
        let spans = ids.spans.clone();
        let provider = SdkTracerProvider::builder()
            .with_sampler(HandlerSampler::new(Sampler::AlwaysOn))
            .with_id_generator(ids)
            .build();
        if handler_sampled {
            tracewire::export::set_handler_sampled_tracer_provider(provider.clone());
        } else {
            tracewire::export::set_tracer_provider(provider.clone());
        }
        let seen = {
            let _current = parent.clone().attach();
            sees_context()
        };
        // Either way the handler runs in a context that says "not sampled"
        // for the parent's trace: its parent's own.
        assert_eq!(seen, parent_sc, "handler_sampled: {handler_sampled}");
        assert_eq!(
            spans.load(Ordering::Relaxed),
            sdk_spans,
            "spans the SDK started, handler_sampled: {handler_sampled}"
        );
        // A root still goes to the SDK, and AlwaysOn samples it.
        assert!(sees_context().is_sampled());
        assert_eq!(spans.load(Ordering::Relaxed), sdk_spans + 1);
        provider.shutdown().expect("shuts down");
    }
}
