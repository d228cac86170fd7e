//! The direct path: spans without an SDK span, which tracewire's own spans
//! take when tracewire built the pipeline ([`init`](crate::init),
//! [`HandlerPipeline`](crate::export::HandlerPipeline),
//! [`TestTracing`](crate::testing::TestTracing)).
//!
//! The OpenTelemetry SDK pays, per span, for a sampler call through a trait
//! object, an id generator behind a lock-free but shared config, a
//! `SpanBuilder`, a 300-byte `Span` holding its tracer, and a `SpanData`
//! built (and a processor called) on the thread that ends the span. When
//! tracewire built the pipeline itself it knows every part of it, so its
//! spans need none of that:
//!
//! - ids come from a thread-local generator ([`ids`]);
//! - the [`DirectTracer`](tracer::DirectTracer) decides as the installed
//!   [`HandlerSampler`](crate::sampling::HandlerSampler) would, without a
//!   call when the span follows its parent (the common case), so decisions
//!   stay the same functions of the trace id;
//! - the span lives as a [`LiveSpan`](live::LiveSpan): the static name, the
//!   attributes, events, links and status in compact
//!   [`SpanContents`](ended::SpanContents), the limits the SDK would apply
//!   applied as it would;
//! - at its end it goes, as an [`EndedSpan`](ended::EndedSpan), to a
//!   [`SpanSink`](tracer::SpanSink): the export processors' queues (the
//!   `SpanData` is built on the export thread), or the test capture.
//!
//! A provider installed by the user keeps the SDK path with all its
//! processors. `TRACEWIRE_SPAN_PATH=sdk` in the environment makes
//! `init()` and `TestTracing` take the SDK path too, so that the behavioural
//! tests run on both.

pub(crate) mod ended;
pub(crate) mod ids;
pub(crate) mod live;
pub(crate) mod tracer;

pub(crate) use ended::{EndedSpan, SpanContents};
pub(crate) use live::LiveSpan;
pub(crate) use tracer::{DirectTracer, Placement, SpanSink};

/// Whether `init()` and `TestTracing` take the direct path: yes unless
/// `TRACEWIRE_SPAN_PATH=sdk` is set.
pub(crate) fn enabled() -> bool {
    std::env::var_os("TRACEWIRE_SPAN_PATH").is_none_or(|v| v != "sdk")
}
