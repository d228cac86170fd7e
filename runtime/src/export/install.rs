//! Building the pipelines a resolved plan asks for (OTLP and terminal span
//! processors, the OTLP meter provider, the OTLP logger provider for the
//! `tracing` bridge, the export counters) and installing them: the tracer
//! and meter providers through the install sequence every provider
//! tracewire builds goes through (`span::OwnedProvider`), then what only
//! `init()` sets (propagators, the OpenTelemetry global meter provider).
//! Also [`TelemetryBuilder::install`], the way there: the builder's
//! settings resolved with the environment into a plan (`config`), then the
//! plan installed.

use std::time::Duration;

use opentelemetry::metrics::{MeterProvider as _, ObservableCounter};
use opentelemetry::{KeyValue, global};
use opentelemetry_sdk::metrics::SdkMeterProvider;

use super::builder::{TelemetryBuilder, TerminalPart};
use super::config::{self, Env, Plan};
use super::processor::{BoundedSpanProcessor, Intakes, ProcessorStats};
use super::{InitError, TelemetryGuard};
use crate::sampling::HandlerSampler;
use crate::semconv::{EXPORT_DROPPED_SPANS, EXPORT_FAILED_SPANS, EXPORTER};
use crate::span::{OwnedProvider, SpanPath};

use crate::carrier::Propagators;
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

cfg_otlp! {
    use super::otlp;
}

cfg_terminal! {
    use super::processor::BatchConfig;
    use super::terminal::{TerminalExporter, TerminalMetricExporter};
    use opentelemetry_sdk::metrics::PeriodicReader;
}

impl TelemetryBuilder {
    /// Builds the pipelines and installs them: the tracer provider with
    /// [`set_handler_sampled_tracer_provider`](crate::export::set_handler_sampled_tracer_provider), the meter
    /// provider with [`set_meter_provider`](crate::export::set_meter_provider),
    /// both also as the OpenTelemetry globals.
    ///
    /// # Errors
    ///
    /// [`InitError`] when a setting or variable is not valid, an exporter
    /// cannot be set up, or the configuration asks for an exporter this
    /// build leaves out (see [Features](crate::export#features)). Nothing is
    /// installed then.
    pub fn install(self) -> Result<TelemetryGuard, InitError> {
        if config::sdk_disabled(&Env(&*self.env))? {
            return Ok(TelemetryGuard::inert());
        }
        let plan = config::resolve(&self)?;
        config::check_features(&self, &plan)?;
        let shutdown_timeout = match self.shutdown_timeout {
            Some(timeout) if timeout.is_zero() => {
                return Err(InitError::InvalidSetting {
                    setting: "shutdown_timeout",
                    value: "0s".into(),
                    expected: "a non-zero duration".into(),
                });
            }
            Some(timeout) => timeout,
            None => plan.batch.export_timeout,
        };
        let subscriber = self.tracing_part.plan(&self.env);
        let guard = self.terminal_part.install(plan, shutdown_timeout)?;
        // After the providers, so the first `tracing` spans go to them.
        Ok(subscriber.install(guard))
    }
}

cfg_terminal! {
    impl TerminalPart {
        /// Installs what `plan` asks for, the terminal printing through
        /// the exporter set in code, if any.
        fn install(self, plan: Plan, shutdown_timeout: Duration) -> Result<TelemetryGuard, InitError> {
            install(plan, shutdown_timeout, self.exporter)
        }
    }
}

cfg_not_terminal! {
    impl TerminalPart {
        fn install(self, plan: Plan, shutdown_timeout: Duration) -> Result<TelemetryGuard, InitError> {
            install(plan, shutdown_timeout)
        }
    }
}

cfg_terminal! {
    /// How often the terminal exporter's queue is drained: trees appear
    /// about this long after their trace ends.
    const TERMINAL_DELAY: Duration = Duration::from_millis(100);
}

/// Builds what `plan` asks for and installs it; nothing is installed when
/// any part fails. `terminal` replaces the stderr exporter.
///
/// The plan has passed `config::check_features`, so it asks for no exporter
/// this build leaves out.
pub(super) fn install(
    plan: Plan,
    shutdown_timeout: Duration,
    #[cfg(feature = "terminal")] terminal: Option<TerminalExporter>,
) -> Result<TelemetryGuard, InitError> {
    // Built without either exporter, nothing is ever pushed.
    #[cfg_attr(not(any(feature = "otlp", feature = "terminal")), allow(unused_mut))]
    let mut processors: Vec<(&'static str, BoundedSpanProcessor)> = Vec::new();
    #[cfg(feature = "otlp")]
    if let Some(target) = &plan.traces {
        processors.push((
            "otlp",
            otlp::span_processor(target, &plan.batch, plan.attribute_value_length)?,
        ));
    }
    #[cfg(feature = "terminal")]
    if plan.terminal {
        let exporter = terminal.unwrap_or_else(|| paced(TerminalExporter::stderr(), &plan));
        processors.push((
            "terminal",
            terminal_processor(exporter, &plan.batch, plan.attribute_value_length)?,
        ));
    }
    let intakes = Intakes(
        processors
            .iter()
            .map(|(_, processor)| processor.intake())
            .collect(),
    );
    let stats: Vec<(&'static str, ProcessorStats)> = processors
        .iter()
        .map(|(name, processor)| (*name, processor.stats()))
        .collect();

    let meter_provider = meter_provider(&plan)?;
    #[cfg(all(feature = "otlp", feature = "tracing"))]
    let logger_provider = match &plan.logs {
        Some(target) => Some(otlp::logger_provider(target, &plan)?),
        None => None,
    };

    // tracewire's spans skip the SDK span (unless TRACEWIRE_SPAN_PATH=sdk):
    // same sampler, same limits, the same processors' queues.
    let owned = OwnedProvider::build(
        HandlerSampler::new(plan.sampler),
        plan.span_limits,
        Some(plan.resource),
        processors.into_iter().map(|(_, processor)| processor),
        Box::new(intakes),
        SpanPath::FromEnvironment,
    );

    let instruments = meter_provider
        .as_ref()
        .map(|provider| export_instruments(provider, &stats))
        .unwrap_or_default();

    let guard = TelemetryGuard::new(
        owned.provider().clone(),
        meter_provider.clone(),
        stats,
        shutdown_timeout,
        instruments,
    );
    #[cfg(all(feature = "otlp", feature = "tracing"))]
    let guard = {
        match &logger_provider {
            Some(provider) => crate::tracing::set_logger_provider(provider),
            None => crate::tracing::clear_logger_provider(),
        }
        guard.with_logger_provider(logger_provider)
    };
    owned.install(meter_provider.as_ref());
    crate::carrier::set_propagators(plan.propagators);
    global::set_text_map_propagator(global_propagator(plan.propagators));
    // Beyond what every owned provider installs: handler metrics on even if
    // switched off before, and the meter provider as the OpenTelemetry
    // global, for other libraries.
    match &meter_provider {
        Some(provider) => {
            crate::metrics::set_handler_metrics_enabled(true);
            global::set_meter_provider(provider.clone());
        }
        None if !plan.metrics_enabled => crate::metrics::set_handler_metrics_enabled(false),
        None => {}
    }
    Ok(guard)
}

cfg_terminal! {
    /// The default terminal exporter, paced as the environment says.
    fn paced(mut exporter: TerminalExporter, plan: &Plan) -> TerminalExporter {
        let pacing = &plan.terminal_pacing;
        if let Some(rate) = pacing.max_per_second {
            exporter = exporter.max_traces_per_second(rate);
        }
        if let Some(period) = pacing.summary_period {
            exporter = exporter.summary_period(period);
        }
        if let Some(grace) = pacing.grace_period {
            exporter = exporter.grace_period(grace);
        }
        exporter
    }
}

/// The OpenTelemetry global propagator for other libraries in the process
/// (tracewire's carriers don't read it): the same formats as the carriers.
pub(super) fn global_propagator(propagators: Propagators) -> TextMapCompositePropagator {
    let mut chosen: Vec<Box<dyn TextMapPropagator + Send + Sync>> = Vec::new();
    if propagators.trace_context() {
        chosen.push(Box::new(TraceContextPropagator::new()));
    }
    if propagators.baggage() {
        chosen.push(Box::new(BaggagePropagator::new()));
    }
    TextMapCompositePropagator::new(chosen)
}

/// The meter provider, when metrics are on and go somewhere: a reader per
/// exporter (OTLP, the terminal), each every `plan.metric_interval`.
fn meter_provider(plan: &Plan) -> Result<Option<SdkMeterProvider>, InitError> {
    if plan.metrics.is_none() && !plan.console_metrics {
        return Ok(None);
    }
    #[cfg_attr(not(any(feature = "otlp", feature = "terminal")), allow(unused_mut))]
    let mut builder = SdkMeterProvider::builder().with_resource(plan.resource.clone());
    #[cfg(feature = "otlp")]
    if let Some(target) = &plan.metrics {
        builder = builder.with_reader(otlp::metric_reader(target, plan)?);
    }
    #[cfg(feature = "terminal")]
    if plan.console_metrics {
        let exporter = TerminalMetricExporter::stderr(plan.metric_temporality);
        builder = builder.with_reader(
            PeriodicReader::builder(exporter)
                .with_interval(plan.metric_interval)
                .build(),
        );
    }
    Ok(Some(builder.build()))
}

cfg_terminal! {
    /// The terminal exporter's processor: the plan's batch limits, drained
    /// every [`TERMINAL_DELAY`].
    fn terminal_processor(
        exporter: TerminalExporter,
        batch: &BatchConfig,
        value_length: Option<usize>,
    ) -> Result<BoundedSpanProcessor, InitError> {
        let config = BatchConfig {
            schedule_delay: TERMINAL_DELAY,
            ..batch.clone()
        };
        BoundedSpanProcessor::start("terminal", config, value_length, || {
            Ok::<_, std::convert::Infallible>(exporter)
        })
        .map_err(|error| InitError::Exporter {
            signal: "traces",
            endpoint: "terminal".into(),
            message: error.to_string(),
        })
    }
}

/// Registers the dropped and failed span counters.
fn export_instruments(
    provider: &SdkMeterProvider,
    stats: &[(&'static str, ProcessorStats)],
) -> Vec<ObservableCounter<u64>> {
    let meter = provider.meter(crate::semconv::INSTRUMENTATION_SCOPE);
    let counter = |name, description, count: fn(&ProcessorStats) -> u64| {
        let stats = stats.to_vec();
        meter
            .u64_observable_counter(name)
            .with_unit("{span}")
            .with_description(description)
            .with_callback(move |observer| {
                for (exporter, stats) in &stats {
                    observer.observe(count(stats), &[KeyValue::new(EXPORTER, *exporter)]);
                }
            })
            .build()
    };
    vec![
        counter(
            EXPORT_DROPPED_SPANS,
            "Spans dropped because the export queue was full",
            ProcessorStats::dropped_spans,
        ),
        counter(
            EXPORT_FAILED_SPANS,
            "Spans whose export failed or timed out",
            ProcessorStats::failed_spans,
        ),
    ]
}
