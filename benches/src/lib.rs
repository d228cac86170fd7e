//! Shared set-up for tracewire's benchmarks: tracing pipelines that sample
//! everything or nothing, exporting to an exporter that drops what it gets,
//! so that the numbers measure instrumentation, not I/O.

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, Sampler, SdkTracerProvider, SpanData, SpanExporter,
};

/// An exporter that accepts and drops every batch.
#[derive(Debug, Default)]
pub struct NoopExporter;

impl SpanExporter for NoopExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
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

/// A provider for `sampling`, installed for tracewire and as the global one.
pub fn install(sampling: Sampling) -> SdkTracerProvider {
    let sampler = match sampling {
        Sampling::Sampled => Sampler::AlwaysOn,
        Sampling::Unsampled => Sampler::AlwaysOff,
    };
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_span_processor(BatchSpanProcessor::builder(NoopExporter).build())
        .build();
    tracewire::set_tracer_provider(provider.clone());
    provider
}

impl std::fmt::Display for Sampling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sampling::Sampled => "sampled",
            Sampling::Unsampled => "unsampled",
        })
    }
}
