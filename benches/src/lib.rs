//! Shared set-up for tracewire's benchmarks: one tracing pipeline that
//! samples everything or nothing, exporting to an exporter that drops what it
//! gets, so that the numbers measure instrumentation, not I/O.
//!
//! Every OpenTelemetry-based variant (hand-written code, tracewire, and
//! `tracing` through `tracing-opentelemetry`) uses the same provider, the
//! same batch processor and the same exporter. Its sampler is the one
//! `tracewire::init()` builds, a [`HandlerSampler`] over a parent-based
//! sampler; [`install`] flips the roots' decision between `AlwaysOn` and
//! `AlwaysOff`: a `tracing` subscriber can be made the global default only
//! once per process, so switching the sampler rather than the provider is
//! what lets all variants be measured in one run.

pub mod overhead;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{LazyLock, Once};

use opentelemetry::trace::{Link, SpanKind, TraceId};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SamplingResult, SdkTracerProvider,
    ShouldSample, SpanData, SpanExporter,
};
use tracewire::sampling::HandlerSampler;

/// Spans [`NoopExporter`] has received, over the whole process.
static EXPORTED: AtomicU64 = AtomicU64::new(0);

/// An exporter that accepts and drops every batch.
#[derive(Debug, Default)]
pub struct NoopExporter;

impl NoopExporter {
    /// How many spans every `NoopExporter` has been given so far: a check
    /// that the batch processor kept up and dropped nothing.
    pub fn exported() -> u64 {
        EXPORTED.load(Ordering::Relaxed)
    }
}

impl SpanExporter for NoopExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        EXPORTED.fetch_add(batch.len() as u64, Ordering::Relaxed);
        drop(batch);
        std::future::ready(Ok(()))
    }
}

/// Whether spans are sampled in a benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sampling {
    /// `AlwaysOn`, exported through the batch processor to [`NoopExporter`].
    Sampled,
    /// `AlwaysOff`.
    Unsampled,
}

static SAMPLED: AtomicBool = AtomicBool::new(true);

/// `AlwaysOn` or `AlwaysOff`, as [`install`] last chose. The choice costs
/// every OpenTelemetry-based variant the same relaxed load per span.
#[derive(Clone, Debug)]
struct SwitchedSampler;

impl ShouldSample for SwitchedSampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        span_kind: &SpanKind,
        attributes: &[KeyValue],
        links: &[Link],
    ) -> SamplingResult {
        let sampler = if SAMPLED.load(Ordering::Relaxed) {
            &Sampler::AlwaysOn
        } else {
            &Sampler::AlwaysOff
        };
        sampler.should_sample(parent_context, trace_id, name, span_kind, attributes, links)
    }
}

/// Spans the batch processor holds at most. The default, 2048, is too few
/// under callgrind, which runs one thread at a time: the export thread falls
/// behind and spans are dropped, which is cheaper than queueing them. With
/// this many nothing is dropped (see [`NoopExporter::exported`]), timed or
/// counted.
pub const QUEUE_SIZE: usize = 1 << 16;

static PROVIDER: LazyLock<SdkTracerProvider> = LazyLock::new(|| {
    let config = BatchConfigBuilder::default()
        .with_max_queue_size(QUEUE_SIZE)
        .build();
    let processor = BatchSpanProcessor::builder(NoopExporter)
        .with_batch_config(config)
        .build();
    // What `tracewire::init()` builds: handlers' own rates on top of a
    // parent-based sampler, whose roots are sampled as `install` says.
    SdkTracerProvider::builder()
        .with_sampler(HandlerSampler::new(Sampler::ParentBased(Box::new(
            SwitchedSampler,
        ))))
        .with_span_processor(processor)
        .build()
});

/// The pipeline `tracewire::init()` builds, for tracewire's direct path
/// (handler spans without an SDK span): the same sampler as [`PROVIDER`],
/// a [`BoundedSpanProcessor`](tracewire::export::BoundedSpanProcessor) of
/// [`QUEUE_SIZE`] spans, the same dropping exporter.
static RECORDS: LazyLock<tracewire::export::HandlerPipeline> = LazyLock::new(|| {
    let config = tracewire::export::BatchConfig {
        queue_size: QUEUE_SIZE,
        ..Default::default()
    };
    let processor = tracewire::export::BoundedSpanProcessor::new(NoopExporter, config)
        .expect("an export thread");
    tracewire::export::HandlerPipeline::new(
        HandlerSampler::new(Sampler::ParentBased(Box::new(SwitchedSampler))),
        vec![processor],
    )
});

/// Which path tracewire's handler spans take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanPath {
    /// The direct path `init()` installs (the `tracewire` variant).
    Records,
    /// SDK spans, as with a provider the user installs
    /// (the `tracewire_sdk` variant).
    Sdk,
}

/// Installs [`PROVIDER`] (SDK path) or [`RECORDS`] for tracewire's
/// handlers. The other variants use [`PROVIDER`]'s tracer directly either
/// way.
pub fn select_path(path: SpanPath) {
    match path {
        SpanPath::Records => RECORDS.install(),
        SpanPath::Sdk => tracewire::export::set_handler_sampled_tracer_provider(PROVIDER.clone()),
    }
}

/// Flushes both pipelines.
pub fn force_flush() {
    let _ = PROVIDER.force_flush();
    let _ = RECORDS.provider().force_flush();
}

/// The process's provider, sampling as `sampling` says from now on, and
/// installed for tracewire and as the OpenTelemetry global provider.
pub fn install(sampling: Sampling) -> SdkTracerProvider {
    SAMPLED.store(sampling == Sampling::Sampled, Ordering::Relaxed);
    static INSTALLED: Once = Once::new();
    INSTALLED
        .call_once(|| tracewire::export::set_handler_sampled_tracer_provider(PROVIDER.clone()));
    PROVIDER.clone()
}

/// The one provider every benchmark uses (see [`install`]).
pub fn provider() -> &'static SdkTracerProvider {
    &PROVIDER
}

/// The sampling [`install`] last chose.
pub fn current_sampling() -> Sampling {
    if SAMPLED.load(Ordering::Relaxed) {
        Sampling::Sampled
    } else {
        Sampling::Unsampled
    }
}

impl std::fmt::Display for Sampling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sampling::Sampled => "sampled",
            Sampling::Unsampled => "unsampled",
        })
    }
}
