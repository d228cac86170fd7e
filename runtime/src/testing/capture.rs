//! [`TestTracing`]: the in-memory tracing and metrics pipeline a test
//! installs, and the lock that keeps two such tests from overlapping.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures_util::FutureExt as _;
use opentelemetry::KeyValue;
use opentelemetry::trace::SpanContext;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, Sampler, SdkTracerProvider, SimpleSpanProcessor, SpanData,
    SpanExporter as _, SpanLimits,
};

use super::TraceTree;
use crate::sampling::HandlerSampler;
use crate::span::direct::{EndedSpan, SpanContents, SpanSink};
use crate::span::{OwnedProvider, SpanPath};

/// Serialises captures: the provider is process-global, so two tests capturing
/// at once would see each other's spans.
static CAPTURE_LOCK: Mutex<()> = Mutex::new(());

/// An in-memory tracing pipeline installed for the lifetime of this value.
///
/// Spans go through a simple (unbatched) processor into an in-memory
/// exporter, so a span is visible to [`spans`](Self::spans) and
/// [`tree`](Self::tree) as soon as it ends. The provider is installed with
/// [`crate::export::set_tracer_provider`], so both traced handlers and
/// [`opentelemetry::global`] tracers record into it.
///
/// Only one `TestTracing` exists in a process at a time: creating one waits
/// until any other has been dropped, so holding two in the same thread
/// deadlocks. Tests that install a provider without `TestTracing` are not
/// serialised with it. Tracers taken from [`opentelemetry::global`] before
/// installing keep recording into the provider they were taken from, so take
/// them after. On drop the provider is uninstalled and shut down.
///
/// With the `tracing` feature, `install` also makes a registry with
/// `tracewire::tracing::layer()` the global default `tracing` subscriber, once
/// per process, unless another one was set first; so `tracing` spans and
/// events inside and around traced handlers are captured as well.
///
/// Handler metrics and the channel server's limit hits are captured as
/// well: see [`handler_calls`](Self::handler_calls) and
/// [`limit_hits`](Self::limit_hits).
#[derive(Debug)]
pub struct TestTracing {
    provider: SdkTracerProvider,
    exporter: InMemorySpanExporter,
    meter_provider: SdkMeterProvider,
    metric_exporter: InMemoryMetricExporter,
    /// Set on drop: handler spans still running then are not captured, as
    /// the SDK's simple processor drops spans that end after its shutdown.
    closed: Arc<AtomicBool>,
    // Declared last so the lock is released only after `Drop` has uninstalled
    // the provider, never while the next test could already be installing.
    _serial: MutexGuard<'static, ()>,
}

impl TestTracing {
    /// Installs a capturing pipeline that samples every span.
    pub fn install() -> Self {
        Self::with_sampler(Sampler::AlwaysOn)
    }

    /// Installs a capturing pipeline that samples with `sampler`, wrapped in
    /// a [`HandlerSampler`] so that handlers' own `sample = ..` rates apply
    /// as they do under [`crate::init`].
    pub fn with_sampler(sampler: Sampler) -> Self {
        // A poisoned lock means an earlier test failed while capturing, which
        // is exactly what assertion failures do; the `()` inside is intact.
        let serial = CAPTURE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
        let exporter = InMemorySpanExporter::default();
        let closed = Arc::new(AtomicBool::new(false));
        // Spans go through a simple processor into the exporter; on the
        // direct path (unless TRACEWIRE_SPAN_PATH=sdk) they land in the same
        // exporter, as they end, as the simple processor's do.
        let sink = Capture {
            exporter: exporter.clone(),
            closed: Arc::clone(&closed),
        };
        let owned = OwnedProvider::build(
            HandlerSampler::new(sampler),
            SpanLimits::default(),
            None,
            [SimpleSpanProcessor::new(exporter.clone())],
            Box::new(sink),
            SpanPath::FromEnvironment,
        );
        let metric_exporter = InMemoryMetricExporter::default();
        let meter_provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(metric_exporter.clone()).build())
            .build();
        owned.install(Some(&meter_provider));
        // With the `tracing` bridge, `tracing` spans and events are captured
        // too: its layer reads the provider just installed.
        #[cfg(feature = "tracing")]
        crate::tracing::install_subscriber(
            tracing_subscriber::filter::Targets::new()
                .with_default(::tracing::level_filters::LevelFilter::TRACE),
        );
        let provider = owned.provider().clone();
        Self {
            provider,
            exporter,
            meter_provider,
            metric_exporter,
            closed,
            _serial: serial,
        }
    }

    /// How many calls of `handler` (a span name) ended with `outcome`
    /// (`"ok"`, `"error"` or `"cancelled"`), from the
    /// `tracewire.handler.calls` counter.
    pub fn handler_calls(&self, handler: &str, outcome: &str) -> u64 {
        self.metric_total(
            crate::semconv::HANDLER_CALLS,
            &[("handler", handler), ("outcome", outcome)],
            counter_points,
        )
    }

    /// How many times the channel server hit `limit` (`"channels"`,
    /// `"topic_length"`, `"connections"`, ...), from the
    /// `tracewire.channel.limit_hits` counter.
    pub fn limit_hits(&self, limit: &str) -> u64 {
        self.metric_total(
            crate::semconv::CHANNEL_LIMIT_HITS,
            &[(crate::semconv::LIMIT, limit)],
            counter_points,
        )
    }

    /// How many messages a PubSub adapter did not get to the other nodes
    /// for `reason` (`"queue_full"`, `"disconnected"`, ...), from the
    /// `tracewire.pubsub.unpublished` counter.
    pub fn pubsub_unpublished(&self, reason: &str) -> u64 {
        self.metric_total(
            crate::semconv::PUBSUB_UNPUBLISHED,
            &[(crate::semconv::REASON, reason)],
            counter_points,
        )
    }

    /// How many messages from a PubSub adapter a node ignored for `reason`
    /// (`"malformed"`, `"wrong_envelope"`, `"oversized"`,
    /// `"trace_context"`), from the `tracewire.pubsub.rejected` counter.
    pub fn pubsub_rejected(&self, reason: &str) -> u64 {
        self.metric_total(
            crate::semconv::PUBSUB_REJECTED,
            &[(crate::semconv::REASON, reason)],
            counter_points,
        )
    }

    /// How many durations of `handler` with `outcome` the
    /// `tracewire.handler.duration` histogram holds.
    pub fn handler_durations(&self, handler: &str, outcome: &str) -> u64 {
        self.metric_total(
            crate::semconv::HANDLER_DURATION,
            &[("handler", handler), ("outcome", outcome)],
            |data| match data {
                AggregatedMetrics::F64(MetricData::Histogram(h)) => Some(
                    h.data_points()
                        .map(|p| (attrs(p.attributes()), p.count()))
                        .collect(),
                ),
                _ => None,
            },
        )
    }

    /// The total of metric `name`'s points whose attributes include every
    /// one of `wanted`.
    fn metric_total(
        &self,
        name: &str,
        wanted: &[(&str, &str)],
        points: impl Fn(&AggregatedMetrics) -> Option<Vec<Point>>,
    ) -> u64 {
        // Collects now; the exporter keeps every collection, and the
        // counters are cumulative, so the last collection has the totals.
        let _ = self.meter_provider.force_flush();
        let collected = self
            .metric_exporter
            .get_finished_metrics()
            .unwrap_or_default();
        let Some(last) = collected.last() else {
            return 0;
        };
        let wanted: Vec<(String, String)> = wanted
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        last.scope_metrics()
            .flat_map(|scope| scope.metrics())
            .filter(|m| m.name() == name)
            .filter_map(|m| points(m.data()))
            .flatten()
            .filter(|(a, _)| wanted.iter().all(|w| a.contains(w)))
            .map(|(_, v)| v)
            .sum()
    }

    /// The installed provider, for tests that need their own tracer from it.
    ///
    /// Shutting it down discards the captured spans.
    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// The spans finished so far, in the order they ended.
    pub fn spans(&self) -> Vec<SpanData> {
        // The simple processor exports as spans end, so this flush is a no-op
        // today; a failed flush could only mean fewer spans, which the
        // assertions on the result then report with the tree.
        let _ = self.provider.force_flush();
        self.exporter.get_finished_spans().unwrap_or_else(|err| {
            panic!("tracewire::testing: cannot read the captured spans: {err:?}")
        })
    }

    /// A snapshot of the spans finished so far.
    pub fn tree(&self) -> TraceTree {
        TraceTree::from_spans(self.spans())
    }

    /// Forgets every span captured so far.
    pub fn reset(&self) {
        self.exporter.reset();
    }
}

impl Default for TestTracing {
    /// Same as [`TestTracing::install`].
    fn default() -> Self {
        Self::install()
    }
}

/// Ended direct-path spans, exported as they end into the capture's exporter.
#[derive(Debug)]
struct Capture {
    exporter: InMemorySpanExporter,
    closed: Arc<AtomicBool>,
}

impl SpanSink for Capture {
    fn push(&self, span_context: &SpanContext, contents: SpanContents) {
        if !span_context.is_sampled() || self.closed.load(Ordering::Acquire) {
            return;
        }
        let ended = EndedSpan {
            span_context: span_context.clone(),
            contents,
        };
        // The in-memory exporter's future is ready at once.
        let _ = self
            .exporter
            .export(vec![ended.into_span_data()])
            .now_or_never();
    }
}

/// A metric point: its attributes as text, and its value or count.
type Point = (Vec<(String, String)>, u64);

/// The points of a `u64` counter.
fn counter_points(data: &AggregatedMetrics) -> Option<Vec<Point>> {
    match data {
        AggregatedMetrics::U64(MetricData::Sum(sum)) => Some(
            sum.data_points()
                .map(|p| (attrs(p.attributes()), p.value()))
                .collect(),
        ),
        _ => None,
    }
}

fn attrs<'a>(kvs: impl Iterator<Item = &'a KeyValue>) -> Vec<(String, String)> {
    kvs.map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

impl Drop for TestTracing {
    fn drop(&mut self) {
        crate::span::clear_tracer_provider();
        self.closed.store(true, Ordering::Release);
        crate::metrics::clear_meter_provider();
        let _ = self.meter_provider.shutdown();
        // The OpenTelemetry global keeps a clone of the provider until the
        // next one is installed; shutting it down makes that clone inert.
        // An error here (typically: already shut down) leaves nothing to undo.
        let _ = self.provider.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};

    use super::*;

    #[test]
    fn reset_forgets_and_sampler_filters_captured_spans() {
        let tracing = TestTracing::default();
        let tracer = opentelemetry::global::tracer("tests");
        tracer.in_span("before", |_| {});
        assert_eq!(tracing.spans().len(), 1);
        tracing.reset();
        assert!(tracing.tree().is_empty());
        tracer.in_span("after", |_| {});
        tracing.tree().assert_shape("after");
        drop(tracing);

        let tracing = TestTracing::with_sampler(Sampler::AlwaysOff);
        let tracer = opentelemetry::global::tracer("tests");
        tracer.in_span("unsampled", |cx| assert!(!cx.span().is_recording()));
        assert!(tracing.tree().is_empty());
    }

    #[test]
    fn drop_uninstalls_and_shuts_down_the_provider() {
        let tracing = TestTracing::install();
        let provider = tracing.provider().clone();
        drop(tracing);
        // Hold the lock so no other test installs a provider meanwhile.
        let _serial = CAPTURE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
        let span = opentelemetry::global::tracer("tests").start("after drop");
        assert!(!span.is_recording());
        assert!(provider.shutdown().is_err(), "already shut down by drop");
    }

    /// The test suite runs on the path the environment chooses: check that
    /// it is the one taken, and that a span on it is what the context
    /// shows, with plain OpenTelemetry children and events.
    #[test]
    fn test_tracing_takes_the_path_the_environment_chooses() {
        use crate::span::{SpanGuard, SpanMeta};

        let tracing = TestTracing::install();
        assert_eq!(crate::span::direct_installed(), crate::span::direct::enabled());
        let mut span = SpanGuard::start(&SpanMeta::internal("outer"));
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
