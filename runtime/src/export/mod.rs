//! Export and set-up: [`init`], [`Telemetry::builder`] and the
//! [`TelemetryGuard`] that flushes on drop.
//!
//! One call installs the tracer provider and the meter provider that
//! traced handlers use, configured from the standard `OTEL_*` environment
//! variables:
//!
//! ```no_run
//! fn main() -> Result<(), tracewire::InitError> {
//!     let _telemetry = tracewire::init()?; // flushes and shuts down on drop
//!     // ... run the application ...
//!     Ok(())
//! }
//! ```
//!
//! With no OTLP endpoint configured, each finished trace is printed to stderr
//! as a tree (the [`terminal`] exporter). With one, spans and metrics go to
//! the collector over OTLP, http/protobuf or gRPC.
//!
//! # Configuration
//!
//! Settings made on the [builder](TelemetryBuilder) win over environment
//! variables, which win over the defaults. Blank variables count as unset.
//! A value that is not valid makes [`init`] return an [`InitError`] that
//! names the variable, the value and what is valid; it never panics.
//!
//! | variable | values | default | builder |
//! | --- | --- | --- | --- |
//! | `OTEL_SDK_DISABLED` | `true`, `false` | `false` | — (`true`: install nothing, return an inert guard) |
//! | `OTEL_SERVICE_NAME` | any name | `unknown_service:<executable>` | [`service_name`](TelemetryBuilder::service_name) |
//! | `OTEL_RESOURCE_ATTRIBUTES` | `key=value,key2=value2`, percent-encoded | — | [`resource_attribute`](TelemetryBuilder::resource_attribute) |
//! | `OTEL_TRACES_SAMPLER` | `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio` | `parentbased_always_on` | [`sampler`](TelemetryBuilder::sampler) |
//! | `OTEL_TRACES_SAMPLER_ARG` | ratio from 0 to 1, for the `*traceidratio` samplers | `1.0` | (part of the sampler) |
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | `http://` base URL; http/protobuf appends `/v1/traces` and `/v1/metrics`, gRPC uses it as is | none: print to the terminal | [`endpoint`](TelemetryBuilder::endpoint) |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | `http://` URL for traces, used as is | from the base | [`endpoint`](TelemetryBuilder::endpoint) |
//! | `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` | `http://` URL for metrics, used as is | from the base | [`endpoint`](TelemetryBuilder::endpoint) |
//! | `OTEL_EXPORTER_OTLP_PROTOCOL` | `grpc`, `http/protobuf` | `http/protobuf` | [`protocol`](TelemetryBuilder::protocol) |
//! | `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL` | as above, per signal | the general one | [`protocol`](TelemetryBuilder::protocol) |
//! | `OTEL_EXPORTER_OTLP_TIMEOUT` | milliseconds: the longest one export may take, retries included | `10000` | [`export_timeout`](TelemetryBuilder::export_timeout) |
//! | `OTEL_BSP_MAX_QUEUE_SIZE` | spans held at most; more are dropped and counted | `2048` | [`export_queue_size`](TelemetryBuilder::export_queue_size) |
//! | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | spans per export, at most the queue size | `512` | [`max_export_batch_size`](TelemetryBuilder::max_export_batch_size) |
//! | `OTEL_BSP_SCHEDULE_DELAY` | milliseconds a partial batch waits | `5000` | [`schedule_delay`](TelemetryBuilder::schedule_delay) |
//! | `OTEL_METRIC_EXPORT_INTERVAL` | milliseconds between metric exports | `60000` | [`metric_export_interval`](TelemetryBuilder::metric_export_interval) |
//! | `TRACEWIRE_METRICS` | `on`, `off` (or `true`, `false`) | `on` | [`metrics`](TelemetryBuilder::metrics) |
//! | `TRACEWIRE_TERMINAL` | `on`, `off` (or `true`, `false`) | `on` without an endpoint, `off` with one | [`terminal`](TelemetryBuilder::terminal) |
//!
//! The OTLP exporter also reads `OTEL_EXPORTER_OTLP_HEADERS` (and its
//! per-signal forms) itself, from the process environment. This build has
//! no TLS and no compression: endpoints must be `http://` (export to a local
//! collector or agent and let it forward), and `OTEL_EXPORTER_OTLP_COMPRESSION`
//! must stay unset.
//!
//! # Metrics
//!
//! When metrics are on and an endpoint is set, a meter provider with a
//! periodic reader exports, every `OTEL_METRIC_EXPORT_INTERVAL` and at
//! shutdown, the [handler metrics](crate::metrics) and two export counters
//! (observable counters with an `exporter` attribute, `otlp` or
//! `terminal`):
//!
//! | instrument | unit | counts |
//! | --- | --- | --- |
//! | `tracewire.export.dropped_spans` | `{span}` | spans dropped because the export queue was full |
//! | `tracewire.export.failed_spans` | `{span}` | spans whose export failed or timed out |
//!
//! With metrics off, no meter provider is installed and handlers stop
//! recording metrics ([`set_handler_metrics_enabled(false)`](crate::metrics::set_handler_metrics_enabled)).
//! Without an endpoint, metrics have nowhere to go and none is installed.
//!
//! # A collector that is down
//!
//! Spans are exported by a [`BoundedSpanProcessor`] on a thread of its own,
//! so a handler never waits for the collector: ending a span is an atomic
//! increment and a channel send. At most `OTEL_BSP_MAX_QUEUE_SIZE` spans are
//! held; when the collector is down or slow, further spans are dropped and
//! counted ([`TelemetryGuard::dropped_spans`], the `dropped_spans` metric, and
//! a line on stderr at shutdown). Every export is bounded by the export
//! timeout, and the next batch is tried afresh, so export resumes as soon as
//! the collector is reachable again.
//!
//! # Why these clients
//!
//! gRPC goes through tonic, http/protobuf through opentelemetry-otlp's hyper
//! client: both run on the hyper and tokio that tonic already brings, so the
//! second protocol costs almost nothing more (no reqwest, no TLS stack).
//! Both clients need a tokio reactor, which the SDK's own batch processor
//! and periodic reader don't provide (their threads poll with a plain
//! executor, and the hyper client panics there). So each span processor's
//! thread, and the metric exporter, own a small current-thread tokio runtime
//! that drives their exports: telemetry works the same under any runtime,
//! or none, and never takes the application's worker threads.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use opentelemetry::metrics::{MeterProvider as _, ObservableCounter};
use opentelemetry::{KeyValue, Value, global};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};

mod config;
mod otlp;
mod processor;
pub mod terminal;

pub use processor::{BatchConfig, BoundedSpanProcessor, ProcessorStats, StartError};

// Provider plumbing, for programs that build their own pipeline: the tracer
// and meter setters side by side. `init()` calls them for you.
pub use crate::metrics::{clear_meter_provider, set_handler_metrics_enabled, set_meter_provider};
pub use crate::span::{
    clear_tracer_provider, set_handler_sampled_tracer_provider, set_tracer_provider,
};

use crate::sampling::HandlerSampler;
use config::{Env, Plan};
use terminal::TerminalExporter;

/// Name of the observable counter of spans dropped because the export queue
/// was full.
pub const DROPPED_SPANS: &str = "tracewire.export.dropped_spans";
/// Name of the observable counter of spans whose export failed or timed out.
pub const FAILED_SPANS: &str = "tracewire.export.failed_spans";

/// How often the terminal exporter's queue is drained: trees appear about
/// this long after their trace ends.
const TERMINAL_DELAY: Duration = Duration::from_millis(100);

/// Installs tracing (and metrics, when exported) configured from the
/// environment; see the [module documentation](self) for the variables.
///
/// Equivalent to `Telemetry::builder().install()`. Keep the returned guard
/// alive for as long as the application runs: dropping it flushes and shuts
/// everything down.
///
/// ```no_run
/// # async fn serve() {}
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let telemetry = tracewire::init()?;
///     serve().await;
///     drop(telemetry); // or let it go out of scope
///     Ok(())
/// }
/// ```
///
/// # Errors
///
/// [`InitError`] when a variable has a value that is not valid, or the
/// exporter cannot be set up.
pub fn init() -> Result<TelemetryGuard, InitError> {
    Telemetry::builder().install()
}

/// Entry point for configuring telemetry in code: [`Telemetry::builder`].
#[derive(Debug)]
pub struct Telemetry {
    _private: (),
}

impl Telemetry {
    /// A builder reading the process environment, for settings made in
    /// code. Every setting wins over its environment variable.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use tracewire::{Protocol, Telemetry};
    ///
    /// let telemetry = Telemetry::builder()
    ///     .service_name("chat")
    ///     .resource_attribute("deployment.environment", "staging")
    ///     .endpoint("http://localhost:4317")
    ///     .protocol(Protocol::Grpc)
    ///     .export_queue_size(4096)
    ///     .export_timeout(Duration::from_secs(5))
    ///     .install()?;
    /// # Ok::<(), tracewire::InitError>(())
    /// ```
    pub fn builder() -> TelemetryBuilder {
        TelemetryBuilder {
            env: Box::new(|name| std::env::var(name).ok()),
            service_name: None,
            resource_attributes: Vec::new(),
            sampler: None,
            endpoint: None,
            protocol: None,
            metrics: None,
            terminal: None,
            terminal_exporter: None,
            export_queue_size: None,
            max_export_batch_size: None,
            schedule_delay: None,
            export_timeout: None,
            shutdown_timeout: None,
            metric_export_interval: None,
        }
    }
}

/// The OTLP transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protocol {
    /// OTLP over gRPC (usually port 4317). The endpoint is used as is.
    Grpc,
    /// OTLP over HTTP with protobuf bodies (usually port 4318); the
    /// default. A base endpoint gets `/v1/traces` and `/v1/metrics`
    /// appended.
    HttpProtobuf,
}

type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Code-level telemetry settings, made with [`Telemetry::builder`] and
/// applied with [`install`](Self::install). Each wins over its environment
/// variable (see the [module documentation](self)).
///
/// ```
/// use opentelemetry_sdk::trace::Sampler;
/// use tracewire::Telemetry;
/// use tracewire::export::terminal::{RenderOptions, TerminalExporter};
///
/// // Trees go to stdout instead of stderr; the environment is not read.
/// let telemetry = Telemetry::builder()
///     .env_vars([("OTEL_SERVICE_NAME", "doc-example")])
///     .sampler(Sampler::AlwaysOn)
///     .terminal_exporter(TerminalExporter::with_writer(
///         std::io::stdout(),
///         RenderOptions::plain(100),
///     ))
///     .install()?;
/// assert!(telemetry.is_active());
/// # Ok::<(), tracewire::InitError>(())
/// ```
#[must_use = "nothing is installed until `install()` is called"]
pub struct TelemetryBuilder {
    env: EnvLookup,
    service_name: Option<String>,
    resource_attributes: Vec<KeyValue>,
    sampler: Option<Sampler>,
    endpoint: Option<String>,
    protocol: Option<Protocol>,
    metrics: Option<bool>,
    terminal: Option<bool>,
    terminal_exporter: Option<TerminalExporter>,
    export_queue_size: Option<usize>,
    max_export_batch_size: Option<usize>,
    schedule_delay: Option<Duration>,
    export_timeout: Option<Duration>,
    shutdown_timeout: Option<Duration>,
    metric_export_interval: Option<Duration>,
}

impl fmt::Debug for TelemetryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelemetryBuilder")
            .field("service_name", &self.service_name)
            .field("resource_attributes", &self.resource_attributes)
            .field("sampler", &self.sampler)
            .field("endpoint", &self.endpoint)
            .field("protocol", &self.protocol)
            .field("metrics", &self.metrics)
            .field("terminal", &self.terminal)
            .field("export_queue_size", &self.export_queue_size)
            .field("max_export_batch_size", &self.max_export_batch_size)
            .field("schedule_delay", &self.schedule_delay)
            .field("export_timeout", &self.export_timeout)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("metric_export_interval", &self.metric_export_interval)
            .finish_non_exhaustive()
    }
}

impl TelemetryBuilder {
    /// Reads variables through `lookup` instead of the process environment,
    /// so tests (and hosts with their own configuration source) need not
    /// touch the process's variables.
    ///
    /// ```
    /// let settings = std::collections::HashMap::from([("OTEL_SDK_DISABLED", "true")]);
    /// let telemetry = tracewire::Telemetry::builder()
    ///     .env(move |name| settings.get(name).map(|v| v.to_string()))
    ///     .install()?;
    /// assert!(!telemetry.is_active());
    /// # Ok::<(), tracewire::InitError>(())
    /// ```
    pub fn env(mut self, lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Box::new(lookup);
        self
    }

    /// Reads variables from these pairs only, instead of the process
    /// environment.
    ///
    /// ```
    /// let telemetry = tracewire::Telemetry::builder()
    ///     .env_vars([("OTEL_SDK_DISABLED", "true")])
    ///     .install()?;
    /// assert!(!telemetry.is_active());
    /// # Ok::<(), tracewire::InitError>(())
    /// ```
    pub fn env_vars<K, V>(self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.env(move |name| vars.get(name).cloned())
    }

    /// The `service.name` resource attribute (`OTEL_SERVICE_NAME`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Adds a resource attribute (`OTEL_RESOURCE_ATTRIBUTES`), replacing one
    /// from the environment with the same key.
    pub fn resource_attribute(
        mut self,
        key: impl Into<opentelemetry::Key>,
        value: impl Into<Value>,
    ) -> Self {
        self.resource_attributes
            .push(KeyValue::new(key.into(), value.into()));
        self
    }

    /// The head sampler (`OTEL_TRACES_SAMPLER`). It is wrapped in a
    /// [`HandlerSampler`] so that per-handler `sample = ..` rates apply.
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// The collector's base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`), e.g.
    /// `http://localhost:4318`. Setting it in code also overrides the
    /// per-signal endpoint variables.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`), for both signals.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Whether to export metrics and record handler metrics
    /// (`TRACEWIRE_METRICS`). On by default.
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.metrics = Some(enabled);
        self
    }

    /// Whether to print finished traces as trees (`TRACEWIRE_TERMINAL`). On
    /// by default when no endpoint is set, off when one is; on with an
    /// endpoint, traces go to both.
    pub fn terminal(mut self, enabled: bool) -> Self {
        self.terminal = Some(enabled);
        self
    }

    /// Prints trees with `exporter` (e.g. to another writer) instead of
    /// [`TerminalExporter::stderr`], whenever the terminal is on.
    pub fn terminal_exporter(mut self, exporter: TerminalExporter) -> Self {
        self.terminal_exporter = Some(exporter);
        self
    }

    /// The most spans held for export at once (`OTEL_BSP_MAX_QUEUE_SIZE`).
    /// Further spans are dropped and counted until the queue drains.
    pub fn export_queue_size(mut self, spans: usize) -> Self {
        self.export_queue_size = Some(spans);
        self
    }

    /// The most spans sent in one export (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`).
    pub fn max_export_batch_size(mut self, spans: usize) -> Self {
        self.max_export_batch_size = Some(spans);
        self
    }

    /// How long a partial batch waits before it is exported
    /// (`OTEL_BSP_SCHEDULE_DELAY`).
    pub fn schedule_delay(mut self, delay: Duration) -> Self {
        self.schedule_delay = Some(delay);
        self
    }

    /// The longest one export may take, retries included
    /// (`OTEL_EXPORTER_OTLP_TIMEOUT`).
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.export_timeout = Some(timeout);
        self
    }

    /// The longest [`TelemetryGuard::shutdown`] (or the guard's drop) waits
    /// for the spans still queued to be exported; what is left then is
    /// counted as failed. Defaults to the export timeout. The final metric
    /// export is bounded by the export timeout and by the SDK's 5 s.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// How often metrics are exported (`OTEL_METRIC_EXPORT_INTERVAL`).
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.metric_export_interval = Some(interval);
        self
    }

    /// Builds the pipelines and installs them: the tracer provider with
    /// [`set_handler_sampled_tracer_provider`](crate::span::set_handler_sampled_tracer_provider), the meter
    /// provider with [`set_meter_provider`](crate::metrics::set_meter_provider),
    /// both also as the OpenTelemetry globals.
    ///
    /// # Errors
    ///
    /// [`InitError`] when a setting or variable is not valid, or an exporter
    /// cannot be set up. Nothing is installed then.
    pub fn install(self) -> Result<TelemetryGuard, InitError> {
        if config::sdk_disabled(&Env(&*self.env))? {
            return Ok(TelemetryGuard::inert());
        }
        let plan = config::resolve(&self)?;
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
        install(plan, self.terminal_exporter, shutdown_timeout)
    }
}

/// Incremented by every install, so a guard only uninstalls its own
/// providers.
static GENERATION: AtomicU64 = AtomicU64::new(0);
static INSTALLED: AtomicU64 = AtomicU64::new(0);

fn install(
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

    let generation = GENERATION.fetch_add(1, Ordering::Relaxed) + 1;
    INSTALLED.store(generation, Ordering::Release);
    crate::span::set_handler_sampled_tracer_provider(tracer_provider.clone());
    match &meter_provider {
        Some(provider) => {
            crate::metrics::set_meter_provider(provider);
            crate::metrics::set_handler_metrics_enabled(true);
            global::set_meter_provider(provider.clone());
        }
        None if !plan.metrics_enabled => crate::metrics::set_handler_metrics_enabled(false),
        None => {}
    }

    Ok(TelemetryGuard {
        tracer_provider: Some(tracer_provider),
        meter_provider,
        stats,
        generation,
        shutdown_timeout,
        done: false,
        _instruments: instruments,
    })
}

/// Registers the dropped and failed span counters.
fn export_instruments(
    provider: &SdkMeterProvider,
    stats: &[(&'static str, ProcessorStats)],
) -> Vec<ObservableCounter<u64>> {
    let meter = provider.meter(crate::semconv::INSTRUMENTATION_SCOPE);
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

/// Keeps telemetry installed; flushes and shuts it down when dropped or on
/// [`shutdown`](Self::shutdown).
///
/// Shutdown uninstalls the providers (unless a later [`init`] replaced
/// them), then exports what is still queued, bounded by the shutdown
/// timeout ([`TelemetryBuilder::shutdown_timeout`], by default the export
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
}

impl fmt::Debug for TelemetryGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelemetryGuard")
            .field("active", &self.is_active())
            .field("metrics", &self.meter_provider.is_some())
            .field("exporters", &self.stats)
            .finish_non_exhaustive()
    }
}

impl TelemetryGuard {
    fn inert() -> Self {
        TelemetryGuard {
            tracer_provider: None,
            meter_provider: None,
            stats: Vec::new(),
            generation: 0,
            shutdown_timeout: Duration::ZERO,
            done: true,
            _instruments: Vec::new(),
        }
    }

    /// Whether this guard installed anything: `false` when
    /// `OTEL_SDK_DISABLED=true`, and after shutdown.
    pub fn is_active(&self) -> bool {
        !self.done
    }

    /// Whether a meter provider was installed (metrics on, with an
    /// endpoint).
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
            if self.meter_provider.is_some() {
                crate::metrics::clear_meter_provider();
                global::set_meter_provider(opentelemetry::metrics::NoopMeterProvider::new());
            }
        }
        let mut failures = Vec::new();
        // Traces first: the final metric export then carries the final
        // dropped and failed counts.
        if let Some(provider) = self.tracer_provider.take()
            && let Err(error) = provider.shutdown_with_timeout(self.shutdown_timeout)
        {
            failures.push(format!("traces: {error}"));
        }
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
                eprintln!(
                    "tracewire: {failed} spans were not exported: the {exporter} export failed \
                     or timed out"
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

/// Why [`init`] or [`TelemetryBuilder::install`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// An environment variable has a value that is not valid.
    InvalidEnv {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What would be valid.
        expected: String,
    },
    /// A builder setting has a value that is not valid.
    InvalidSetting {
        /// The builder method.
        setting: &'static str,
        /// The value given.
        value: String,
        /// What would be valid.
        expected: String,
    },
    /// An exporter could not be set up.
    Exporter {
        /// `traces` or `metrics`.
        signal: &'static str,
        /// Where it would have exported.
        endpoint: String,
        /// What went wrong.
        message: String,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::InvalidEnv {
                var,
                value,
                expected,
            } => write!(f, "invalid {var}={value:?}: expected {expected}"),
            InitError::InvalidSetting {
                setting,
                value,
                expected,
            } => write!(
                f,
                "invalid value {value:?} for Telemetry::builder().{setting}(..): expected {expected}"
            ),
            InitError::Exporter {
                signal,
                endpoint,
                message,
            } => write!(
                f,
                "setting up the {signal} exporter for {endpoint} failed: {message}"
            ),
        }
    }
}

impl std::error::Error for InitError {}

/// A flush or shutdown that did not complete; the application is
/// unaffected, but some telemetry may be lost.
#[derive(Debug)]
pub struct TelemetryError {
    action: &'static str,
    failures: Vec<String>,
}

impl TelemetryError {
    fn check(action: &'static str, failures: Vec<String>) -> Result<(), TelemetryError> {
        if failures.is_empty() {
            Ok(())
        } else {
            Err(TelemetryError { action, failures })
        }
    }

    /// One message per signal that failed.
    pub fn failures(&self) -> &[String] {
        &self.failures
    }
}

impl fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "telemetry {} incomplete: {}",
            self.action,
            self.failures.join("; ")
        )
    }
}

impl std::error::Error for TelemetryError {}
