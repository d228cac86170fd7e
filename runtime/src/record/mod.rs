//! Handler spans without an SDK span: the path traced handlers take when
//! tracewire owns the pipeline ([`init`](crate::init),
//! [`TestTracing`](crate::testing::TestTracing)).
//!
//! The OpenTelemetry SDK pays, per span, for a sampler call through a trait
//! object, an id generator behind a lock-free but shared config, a
//! `SpanBuilder`, a 300-byte `Span` holding its tracer, and a `SpanData`
//! built (and a processor called) on the thread that ends the span. When
//! tracewire built the pipeline itself it knows every part of it, so a
//! handler span needs none of that:
//!
//! - ids come from a thread-local generator ([`ids`]);
//! - the sampling decision is the installed
//!   [`HandlerSampler`](crate::sampling::HandlerSampler)'s, taken without a
//!   call when the span follows its parent (the common case), so decisions
//!   stay the same functions of the trace id;
//! - the span lives as a [`LiveSpan`](live::LiveSpan): the static name, the
//!   attributes, events, links and status in a compact record, the limits
//!   the SDK would apply applied as it would;
//! - at its end the record goes to a [`RecordSink`](pipeline::RecordSink):
//!   the export processors' queues (the `SpanData` is built on the export
//!   thread), or the test capture.
//!
//! A provider installed by the user keeps the SDK path with all its
//! processors. `TRACEWIRE_SPAN_PATH=sdk` in the environment makes
//! `init()` and `TestTracing` take the SDK path too, so that the behavioural
//! tests run on both.

pub(crate) mod data;
pub(crate) mod ids;
pub(crate) mod live;
pub(crate) mod pipeline;

pub(crate) use data::{RecordData, SpanRecord};
pub(crate) use pipeline::{Pipeline, RecordSink};

/// Whether `init()` and `TestTracing` install the record path: yes unless
/// `TRACEWIRE_SPAN_PATH=sdk` is set.
pub(crate) fn owned_path_enabled() -> bool {
    std::env::var_os("TRACEWIRE_SPAN_PATH").is_none_or(|v| v != "sdk")
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use opentelemetry::trace::{TraceContextExt as _, Tracer as _};

    use crate::span::{HandlerMeta, HandlerSpan};
    use crate::testing::TestTracing;

    /// The test suite runs on the path the environment chooses: check that
    /// it is the one taken, and that a handler span on it is what the
    /// context shows, with plain OpenTelemetry children and events.
    #[test]
    fn test_tracing_takes_the_path_the_environment_chooses() {
        let tracing = TestTracing::install();
        assert_eq!(
            crate::span::records_installed(),
            super::owned_path_enabled()
        );
        let mut span = HandlerSpan::start(&HandlerMeta::internal("outer"));
        span.in_scope(|| {
            let cx = opentelemetry::Context::current();
            assert!(cx.span().is_recording());
            cx.span().add_event("inside", vec![]);
            opentelemetry::global::tracer("plain").in_span("plain", |_| {});
        });
        span.finish(crate::Outcome::Unset);
        tracing.tree().assert_shape("outer\n  plain");
        let outer = tracing
            .spans()
            .into_iter()
            .find(|s| s.name == "outer")
            .unwrap();
        assert_eq!(outer.events.len(), 1);
        assert_eq!(outer.events[0].name, "inside");
    }
}
