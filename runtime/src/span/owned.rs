//! [`OwnedProvider`]: a tracer provider tracewire builds itself, with the
//! direct tracer its spans take, built and installed by one sequence for
//! [`init`](crate::init), [`HandlerPipeline`](crate::export::HandlerPipeline)
//! and [`TestTracing`](crate::testing::TestTracing).
//!
//! The sequence: the [`HandlerSampler`], the span limits and the
//! processors go into the SDK provider; the same sampler and limits, and a
//! sink in front of the same processors, into the [`DirectTracer`]; both
//! into the [registry](super::registry) (and the provider into the
//! OpenTelemetry global); then the meter provider tracewire's handler
//! metrics go to.

use std::sync::Arc;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanLimits, SpanProcessor};

use super::direct::{self, DirectTracer, SpanSink};
use super::registry;
use crate::sampling::HandlerSampler;

/// Which path tracewire's spans take on an [`OwnedProvider`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum SpanPath {
    /// The direct path, always.
    Direct,
    /// The direct path unless `TRACEWIRE_SPAN_PATH=sdk` is set, so that
    /// the behavioural tests run on both.
    FromEnvironment,
}

/// A tracer provider tracewire built, and the direct tracer its spans
/// take (none on the SDK path).
#[derive(Clone, Debug)]
pub(crate) struct OwnedProvider {
    provider: SdkTracerProvider,
    direct: Option<Arc<DirectTracer>>,
}

impl OwnedProvider {
    /// A provider with `sampler`, `limits`, `resource` (the SDK's default
    /// when `None`) and `processors`; on the direct path, a direct tracer
    /// with the same sampler and limits whose spans end in `sink`, which
    /// must lead to the same processors (or where they lead).
    ///
    /// The limits are always set, so the SDK's own reading of
    /// `OTEL_SPAN_*` (from the process environment, ignoring bad values)
    /// never applies and both paths keep the same limits.
    pub(crate) fn build<P: SpanProcessor + 'static>(
        sampler: HandlerSampler,
        limits: SpanLimits,
        resource: Option<Resource>,
        processors: impl IntoIterator<Item = P>,
        sink: Box<dyn SpanSink>,
        path: SpanPath,
    ) -> Self {
        let direct = match path {
            SpanPath::Direct => true,
            SpanPath::FromEnvironment => direct::enabled(),
        };
        let direct = direct.then(|| Arc::new(DirectTracer::new(sampler.clone(), limits, sink)));
        let mut builder = SdkTracerProvider::builder()
            .with_sampler(sampler)
            .with_span_limits(limits);
        if let Some(resource) = resource {
            builder = builder.with_resource(resource);
        }
        for processor in processors {
            builder = builder.with_span_processor(processor);
        }
        OwnedProvider {
            provider: builder.build(),
            direct,
        }
    }

    /// The SDK provider, for a tracer of its own, a flush, the shutdown.
    pub(crate) fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// Installs the provider for tracewire's spans (on the direct path if
    /// it has one) and as the OpenTelemetry global provider; then, with
    /// `meter`, records handler metrics through it.
    pub(crate) fn install(&self, meter: Option<&SdkMeterProvider>) {
        registry::install_owned(self.provider.clone(), self.direct.clone());
        if let Some(meter) = meter {
            crate::metrics::set_meter_provider(meter);
        }
    }
}
