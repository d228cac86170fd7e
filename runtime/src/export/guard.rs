//! [`TelemetryGuard`]: what [`init`](crate::init) returns; keeps telemetry
//! installed, and flushes, shuts down and uninstalls it.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry::global;
use opentelemetry::metrics::ObservableCounter;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;

use super::TelemetryError;
use super::processor::ProcessorStats;

/// Incremented by every install, so a guard only uninstalls its own
/// providers.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// The generation whose providers are installed; 0 for none.
static INSTALLED: AtomicU64 = AtomicU64::new(0);

/// Keeps telemetry installed; flushes and shuts it down when dropped or on
/// [`shutdown`](Self::shutdown).
///
/// Shutdown uninstalls the providers (unless a later [`init`](crate::init) replaced
/// them), then exports what is still queued, bounded by the shutdown
/// timeout ([`TelemetryBuilder::shutdown_timeout`](super::TelemetryBuilder::shutdown_timeout), by default the export
/// timeout). When spans were dropped or failed to export, a line on stderr
/// says how many. Dropping the guard shuts down the same way and prints any
/// error to stderr.
#[must_use = "dropping the guard shuts telemetry down at once"]
pub struct TelemetryGuard {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    stats: Vec<(&'static str, ProcessorStats)>,
    generation: u64,
    shutdown_timeout: Duration,
    done: bool,
    _instruments: Vec<ObservableCounter<u64>>,
    tracing: TracingPart,
}

impl fmt::Debug for TelemetryGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("TelemetryGuard");
        f.field("active", &self.is_active())
            .field("metrics", &self.meter_provider.is_some())
            .field("exporters", &self.stats);
        self.tracing.debug_fields(&mut f);
        f.finish_non_exhaustive()
    }
}

impl TelemetryGuard {
    /// The guard of providers about to be installed: it takes the next
    /// generation and marks it installed, so that only this guard
    /// uninstalls them.
    pub(super) fn new(
        tracer_provider: SdkTracerProvider,
        meter_provider: Option<SdkMeterProvider>,
        stats: Vec<(&'static str, ProcessorStats)>,
        shutdown_timeout: Duration,
        instruments: Vec<ObservableCounter<u64>>,
    ) -> Self {
        let generation = GENERATION.fetch_add(1, Ordering::Relaxed) + 1;
        INSTALLED.store(generation, Ordering::Release);
        TelemetryGuard {
            tracer_provider: Some(tracer_provider),
            meter_provider,
            stats,
            generation,
            shutdown_timeout,
            done: false,
            _instruments: instruments,
            tracing: TracingPart::new(),
        }
    }

    /// The guard of an install that installed nothing
    /// (`OTEL_SDK_DISABLED=true`).
    pub(super) fn inert() -> Self {
        TelemetryGuard {
            tracer_provider: None,
            meter_provider: None,
            stats: Vec::new(),
            generation: 0,
            shutdown_timeout: Duration::ZERO,
            done: true,
            _instruments: Vec::new(),
            tracing: TracingPart::new(),
        }
    }

    /// Whether this guard installed anything: `false` when
    /// `OTEL_SDK_DISABLED=true`, and after shutdown.
    pub fn is_active(&self) -> bool {
        !self.done
    }

    cfg_tracing! {
        /// What `install` did about the global `tracing` subscriber
        /// ([`TelemetryBuilder::tracing_subscriber`](super::TelemetryBuilder::tracing_subscriber)).
        ///
        /// ```
        /// use tracewire::tracing::GlobalSubscriber;
        ///
        /// let telemetry = tracewire::Telemetry::builder()
        ///     .env_vars([("TRACEWIRE_TERMINAL", "off")])
        ///     .install()?;
        /// // Installed now, unless another subscriber was set first.
        /// assert_ne!(telemetry.tracing_subscriber(), GlobalSubscriber::NotInstalled);
        /// # Ok::<(), tracewire::InitError>(())
        /// ```
        pub fn tracing_subscriber(&self) -> GlobalSubscriber {
            self.tracing.subscriber
        }

        /// This guard knows what `install` did about the subscriber.
        pub(super) fn with_tracing_subscriber(mut self, subscriber: GlobalSubscriber) -> Self {
            self.tracing.subscriber = subscriber;
            self
        }

        /// The logger provider exporting log records over OTLP, when an OTLP
        /// endpoint for logs is configured: the `tracing` bridge emits into
        /// it, and so can a bridge of your own (for the `log` crate, say).
        /// Log records emitted inside a span carry its trace and span ids.
        ///
        /// ```
        /// let telemetry = tracewire::Telemetry::builder()
        ///     .env_vars([("TRACEWIRE_TERMINAL", "off")])
        ///     .install()?;
        /// assert!(telemetry.logger_provider().is_none()); // no OTLP endpoint
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        pub fn logger_provider(&self) -> Option<&SdkLoggerProvider> {
            self.tracing.logger_provider.as_ref()
        }
    }

    feature! {
        #![all(feature = "otlp", feature = "tracing")]
        /// This guard also owns `provider`, installed for the `tracing`
        /// bridge's log export.
        pub(super) fn with_logger_provider(
            mut self,
            provider: Option<SdkLoggerProvider>,
        ) -> Self {
            self.tracing.logger_provider = provider;
            self
        }
    }

    /// Whether a meter provider was installed (metrics on, and exported
    /// over OTLP or printed with `OTEL_METRICS_EXPORTER=console`).
    pub fn exports_metrics(&self) -> bool {
        self.meter_provider.is_some()
    }

    /// Spans dropped so far because an export queue was full, over all
    /// exporters.
    pub fn dropped_spans(&self) -> u64 {
        self.stats.iter().map(|(_, s)| s.dropped_spans()).sum()
    }

    /// Spans whose export failed or timed out so far, over all exporters.
    pub fn failed_spans(&self) -> u64 {
        self.stats.iter().map(|(_, s)| s.failed_spans()).sum()
    }

    /// Spans exported so far, over all exporters.
    pub fn exported_spans(&self) -> u64 {
        self.stats.iter().map(|(_, s)| s.exported_spans()).sum()
    }

    /// Why the most recent failed export failed, over all exporters (what
    /// the collector answered, or why it could not be reached): the same
    /// text the shutdown report on stderr gives. Never holds a header value.
    pub fn last_export_error(&self) -> Option<String> {
        self.stats.iter().find_map(|(_, stats)| stats.last_error())
    }

    /// Spans held for export right now (queued or being exported), over all
    /// exporters; each exporter holds at most its queue size.
    pub fn queued_spans(&self) -> u64 {
        self.stats.iter().map(|(_, s)| s.held_spans() as u64).sum()
    }

    /// Exports everything finished so far, and waits for it.
    ///
    /// # Errors
    ///
    /// When an export fails or times out; the application is unaffected.
    pub fn force_flush(&self) -> Result<(), TelemetryError> {
        let mut failures = Vec::new();
        if let Some(provider) = &self.tracer_provider
            && let Err(error) = provider.force_flush()
        {
            failures.push(format!("traces: {error}"));
        }
        if let Some(provider) = &self.meter_provider
            && let Err(error) = provider.force_flush()
        {
            failures.push(format!("metrics: {error}"));
        }
        self.tracing.force_flush(&mut failures);
        TelemetryError::check("flush", failures)
    }

    /// Exports what is still queued, shuts both providers down and
    /// uninstalls them. Later calls (and the drop) do nothing.
    ///
    /// ```
    /// let mut telemetry = tracewire::Telemetry::builder()
    ///     .env_vars([("TRACEWIRE_TERMINAL", "off")])
    ///     .install()?;
    /// telemetry.shutdown()?;
    /// assert!(!telemetry.is_active());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When the final export fails or times out.
    pub fn shutdown(&mut self) -> Result<(), TelemetryError> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        // Uninstall first, so handlers still running stop feeding
        // providers that are shutting down.
        if INSTALLED
            .compare_exchange(self.generation, 0, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            crate::span::clear_tracer_provider();
            global::set_tracer_provider(opentelemetry::trace::noop::NoopTracerProvider::new());
            crate::carrier::set_propagators(crate::carrier::Propagators::default());
            global::set_text_map_propagator(
                opentelemetry::trace::noop::NoopTextMapPropagator::new(),
            );
            if self.meter_provider.is_some() {
                crate::metrics::clear_meter_provider();
                global::set_meter_provider(opentelemetry::metrics::NoopMeterProvider::new());
            }
            self.tracing.uninstall();
        }
        let mut failures = Vec::new();
        // Traces first: the final metric export then carries the final
        // dropped and failed counts.
        if let Some(provider) = self.tracer_provider.take()
            && let Err(error) = provider.shutdown_with_timeout(self.shutdown_timeout)
        {
            failures.push(format!("traces: {error}"));
        }
        self.tracing.shutdown(self.shutdown_timeout, &mut failures);
        if let Some(provider) = self.meter_provider.take()
            && let Err(error) = provider.shutdown()
        {
            failures.push(format!("metrics: {error}"));
        }
        self.report_losses();
        TelemetryError::check("shutdown", failures)
    }

    fn report_losses(&self) {
        for (exporter, stats) in &self.stats {
            let dropped = stats.dropped_spans();
            if dropped > 0 {
                eprintln!(
                    "tracewire: {dropped} spans were dropped because the {exporter} export queue \
                     was full; raise OTEL_BSP_MAX_QUEUE_SIZE (or export_queue_size) if the \
                     collector is just slow"
                );
            }
            let failed = stats.failed_spans();
            if failed > 0 {
                let why = stats
                    .last_error()
                    .map(|error| format!(" (last error: {error})"))
                    .unwrap_or_default();
                eprintln!(
                    "tracewire: {failed} spans were not exported: the {exporter} export failed \
                     or timed out{why}"
                );
            }
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown() {
            eprintln!("tracewire: {error}");
        }
    }
}

cfg_tracing! {
    use opentelemetry_sdk::logs::SdkLoggerProvider;

    use crate::tracing::GlobalSubscriber;

    /// What a guard owns for the `tracing` bridge: what `install` did about
    /// the global subscriber, and the logger provider exporting log records
    /// over OTLP.
    struct TracingPart {
        subscriber: GlobalSubscriber,
        logger_provider: Option<SdkLoggerProvider>,
    }

    impl TracingPart {
        fn new() -> Self {
            TracingPart {
                subscriber: GlobalSubscriber::NotInstalled,
                logger_provider: None,
            }
        }

        fn debug_fields(&self, f: &mut fmt::DebugStruct<'_, '_>) {
            f.field("tracing_subscriber", &self.subscriber);
        }

        fn force_flush(&self, failures: &mut Vec<String>) {
            if let Some(provider) = &self.logger_provider
                && let Err(error) = provider.force_flush()
            {
                failures.push(format!("logs: {error}"));
            }
        }

        /// The bridge stops emitting into the provider this guard shuts down.
        fn uninstall(&self) {
            if self.logger_provider.is_some() {
                crate::tracing::clear_logger_provider();
            }
        }

        fn shutdown(&mut self, timeout: Duration, failures: &mut Vec<String>) {
            if let Some(provider) = self.logger_provider.take()
                && let Err(error) = provider.shutdown_with_timeout(timeout)
            {
                failures.push(format!("logs: {error}"));
            }
        }
    }
}

cfg_not_tracing! {
    /// Without the `tracing` bridge a guard owns nothing more.
    struct TracingPart;

    impl TracingPart {
        fn new() -> Self {
            TracingPart
        }

        fn debug_fields(&self, _: &mut fmt::DebugStruct<'_, '_>) {}

        fn force_flush(&self, _: &mut [String]) {}

        fn uninstall(&self) {}

        fn shutdown(&mut self, _: Duration, _: &mut [String]) {}
    }
}
