//! [`HandlerPipeline`]: a tracer provider built around
//! [`BoundedSpanProcessor`]s whose handler spans take the direct path, for
//! programs that build their own pipeline and want what `init()` gets.

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanLimits};

use super::processor::{BoundedSpanProcessor, Intakes};
use crate::sampling::HandlerSampler;
use crate::span::{OwnedProvider, SpanPath};

/// A tracer provider whose handler spans skip the SDK span, as `init()`'s
/// do: they are kept in a compact form and handed to the processors'
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
    owned: OwnedProvider,
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
        let intakes = Intakes(
            processors
                .iter()
                .map(BoundedSpanProcessor::intake)
                .collect(),
        );
        HandlerPipeline {
            owned: OwnedProvider::build(
                sampler,
                SpanLimits::default(),
                Some(resource),
                processors,
                Box::new(intakes),
                SpanPath::Direct,
            ),
        }
    }

    /// The provider, for a tracer of its own, a flush, the shutdown.
    pub fn provider(&self) -> &SdkTracerProvider {
        self.owned.provider()
    }

    /// Installs the provider for traced handlers (on the direct path) and
    /// as the OpenTelemetry global provider.
    pub fn install(&self) {
        self.owned.install(None);
    }
}
