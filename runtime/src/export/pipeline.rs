//! [`HandlerPipeline`]: a tracer provider built around
//! [`BoundedSpanProcessor`]s whose handler spans take the record path, for
//! programs that build their own pipeline and want what `init()` gets.

use std::sync::Arc;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanLimits};

use super::processor::{BoundedSpanProcessor, Intakes};
use crate::record::Pipeline;
use crate::sampling::HandlerSampler;

/// A tracer provider whose handler spans skip the SDK span, as `init()`'s
/// do: they are kept in a compact record and handed to the processors'
/// export threads, which build the `SpanData` the exporters get. Plain
/// OpenTelemetry and `tracing` spans go through the provider as usual.
///
/// Every processor must be a [`BoundedSpanProcessor`]: a provider with
/// other processors belongs with
/// [`set_handler_sampled_tracer_provider`](crate::export::set_handler_sampled_tracer_provider),
/// whose handler spans are SDK spans and reach every processor.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use opentelemetry_sdk::error::OTelSdkResult;
/// use opentelemetry_sdk::trace::{Sampler, SpanData, SpanExporter};
/// use tracewire::export::{BatchConfig, BoundedSpanProcessor, HandlerPipeline};
/// use tracewire::sampling::HandlerSampler;
///
/// /// Keeps the names of the spans it exports.
/// #[derive(Clone, Debug, Default)]
/// struct Names(Arc<Mutex<Vec<String>>>);
///
/// impl SpanExporter for Names {
///     async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
///         let mut names = self.0.lock().unwrap();
///         names.extend(batch.into_iter().map(|span| span.name.into_owned()));
///         Ok(())
///     }
/// }
///
/// let names = Names::default();
/// let processor = BoundedSpanProcessor::new(names.clone(), BatchConfig::default())?;
/// let pipeline = HandlerPipeline::new(HandlerSampler::new(Sampler::AlwaysOn), vec![processor]);
/// pipeline.install();
///
/// #[tracewire::traced]
/// fn handle() {}
///
/// handle();
/// pipeline.provider().force_flush()?;
/// assert_eq!(*names.0.lock().unwrap(), ["handle"]);
/// tracewire::export::clear_tracer_provider();
/// pipeline.provider().shutdown()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct HandlerPipeline {
    provider: SdkTracerProvider,
    records: Arc<Pipeline>,
}

impl HandlerPipeline {
    /// A provider with `sampler`, the SDK's default span limits and
    /// resource, and `processors`.
    pub fn new(sampler: HandlerSampler, processors: Vec<BoundedSpanProcessor>) -> Self {
        Self::with_resource(sampler, processors, Resource::builder().build())
    }

    /// [`new`](Self::new), with `resource`.
    pub fn with_resource(
        sampler: HandlerSampler,
        processors: Vec<BoundedSpanProcessor>,
        resource: Resource,
    ) -> Self {
        let limits = SpanLimits::default();
        let intakes = Intakes(
            processors
                .iter()
                .map(BoundedSpanProcessor::intake)
                .collect(),
        );
        let mut builder = SdkTracerProvider::builder()
            .with_resource(resource)
            .with_sampler(sampler.clone())
            .with_span_limits(limits);
        for processor in processors {
            builder = builder.with_span_processor(processor);
        }
        HandlerPipeline {
            provider: builder.build(),
            records: Arc::new(Pipeline::new(sampler, limits, Box::new(intakes))),
        }
    }

    /// The provider, for a tracer of its own, a flush, the shutdown.
    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// Installs the provider for traced handlers (on the record path) and
    /// as the OpenTelemetry global provider.
    pub fn install(&self) {
        crate::span::install_owned(self.provider.clone(), Arc::clone(&self.records));
    }
}
