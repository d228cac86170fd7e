//! Building the pipelines a resolved plan asks for (OTLP and terminal span
//! processors, the OTLP meter provider, the export counters) and installing
//! them.

use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::global;
use opentelemetry::metrics::{MeterProvider as _, ObservableCounter};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;

use super::config::Plan;
use super::otlp;
use super::processor::{BatchConfig, BoundedSpanProcessor, ProcessorStats};
use super::terminal::TerminalExporter;
use super::{InitError, TelemetryGuard};
use crate::sampling::HandlerSampler;

/// Name of the observable counter of spans dropped because the export queue
/// was full.
pub const DROPPED_SPANS: &str = "tracewire.export.dropped_spans";
/// Name of the observable counter of spans whose export failed or timed out.
pub const FAILED_SPANS: &str = "tracewire.export.failed_spans";

/// How often the terminal exporter's queue is drained: trees appear about
/// this long after their trace ends.
const TERMINAL_DELAY: Duration = Duration::from_millis(100);

/// Builds what `plan` asks for and installs it; nothing is installed when
/// any part fails.
pub(super) fn install(
    plan: Plan,
    terminal: Option<TerminalExporter>,
    shutdown_timeout: Duration,
) -> Result<TelemetryGuard, InitError> {
    let timeout = plan.batch.export_timeout;
    let mut processors = Vec::new();
    if let Some(target) = &plan.traces {
        let processor = BoundedSpanProcessor::with_exporter("otlp", plan.batch.clone(), || {
            otlp::span_exporter(target, timeout)
        })
        .map_err(|error| InitError::Exporter {
            signal: "traces",
            endpoint: target.endpoint.clone(),
            message: error.to_string(),
        })?;
        processors.push(("otlp", processor));
    }
    if plan.terminal {
        let config = BatchConfig {
            schedule_delay: TERMINAL_DELAY,
            ..plan.batch.clone()
        };
        let exporter = terminal.unwrap_or_else(TerminalExporter::stderr);
        let processor =
            BoundedSpanProcessor::new(exporter, config).map_err(|error| InitError::Exporter {
                signal: "traces",
                endpoint: "terminal".into(),
                message: error.to_string(),
            })?;
        processors.push(("terminal", processor));
    }
    let stats: Vec<(&'static str, ProcessorStats)> = processors
        .iter()
        .map(|(name, processor)| (*name, processor.stats()))
        .collect();

    let meter_provider = match &plan.metrics {
        Some(target) => {
            let exporter =
                otlp::metric_exporter(target, timeout).map_err(|message| InitError::Exporter {
                    signal: "metrics",
                    endpoint: target.endpoint.clone(),
                    message,
                })?;
            let reader = PeriodicReader::builder(exporter)
                .with_interval(plan.metric_interval)
                .build();
            Some(
                SdkMeterProvider::builder()
                    .with_resource(plan.resource.clone())
                    .with_reader(reader)
                    .build(),
            )
        }
        None => None,
    };

    let mut builder = SdkTracerProvider::builder()
        .with_resource(plan.resource)
        .with_sampler(HandlerSampler::new(plan.sampler));
    for (_, processor) in processors {
        builder = builder.with_span_processor(processor);
    }
    let tracer_provider = builder.build();

    let instruments = meter_provider
        .as_ref()
        .map(|provider| export_instruments(provider, &stats))
        .unwrap_or_default();

    let guard = TelemetryGuard::new(
        tracer_provider.clone(),
        meter_provider.clone(),
        stats,
        shutdown_timeout,
        instruments,
    );
    crate::set_handler_sampled_tracer_provider(tracer_provider);
    match &meter_provider {
        Some(provider) => {
            crate::metrics::set_meter_provider(provider);
            crate::metrics::set_handler_metrics_enabled(true);
            global::set_meter_provider(provider.clone());
        }
        None if !plan.metrics_enabled => crate::metrics::set_handler_metrics_enabled(false),
        None => {}
    }
    Ok(guard)
}

/// Registers the dropped and failed span counters.
fn export_instruments(
    provider: &SdkMeterProvider,
    stats: &[(&'static str, ProcessorStats)],
) -> Vec<ObservableCounter<u64>> {
    let meter = provider.meter(crate::INSTRUMENTATION_SCOPE);
    let dropped = stats.to_vec();
    let failed = stats.to_vec();
    vec![
        meter
            .u64_observable_counter(DROPPED_SPANS)
            .with_unit("{span}")
            .with_description("Spans dropped because the export queue was full")
            .with_callback(move |observer| {
                for (exporter, stats) in &dropped {
                    observer.observe(
                        stats.dropped_spans(),
                        &[KeyValue::new("exporter", *exporter)],
                    );
                }
            })
            .build(),
        meter
            .u64_observable_counter(FAILED_SPANS)
            .with_unit("{span}")
            .with_description("Spans whose export failed or timed out")
            .with_callback(move |observer| {
                for (exporter, stats) in &failed {
                    observer.observe(
                        stats.failed_spans(),
                        &[KeyValue::new("exporter", *exporter)],
                    );
                }
            })
            .build(),
    ]
}
