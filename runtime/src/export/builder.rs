//! The settings made in code: [`init`], [`Telemetry::builder`] and the
//! [`TelemetryBuilder`] holding them, with the part each feature adds.
//! [`install`](TelemetryBuilder::install), which resolves them with the
//! environment (`config`) and installs the result, is written in
//! `install.rs`, above both.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::Sampler;

use super::{Compression, InitError, Protocol, TelemetryGuard};
use crate::carrier::Propagators;

/// Installs tracing (and metrics, when exported) configured from the
/// environment; see the [module documentation](crate::export) for the
/// variables.
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
    /// use tracewire::Telemetry;
    /// use tracewire::export::Protocol;
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
            headers: Vec::new(),
            compression: None,
            propagators: None,
            metrics: None,
            terminal: None,
            export_queue_size: None,
            max_export_batch_size: None,
            schedule_delay: None,
            export_timeout: None,
            shutdown_timeout: None,
            metric_export_interval: None,
            terminal_part: TerminalPart::new(),
            tracing_part: TracingPart::new(),
        }
    }
}

type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Code-level telemetry settings, made with [`Telemetry::builder`] and
/// applied with [`install`](Self::install). Each wins over its environment
/// variable (see the [module documentation](crate::export)).
///
/// ```
/// use opentelemetry_sdk::trace::Sampler;
/// use tracewire::Telemetry;
///
/// // The environment is not read; nothing is printed or exported, but
/// // handlers are traced and their metrics recorded.
/// let telemetry = Telemetry::builder()
///     .env_vars([("OTEL_SERVICE_NAME", "doc-example")])
///     .sampler(Sampler::AlwaysOn)
///     .terminal(false)
///     .install()?;
/// assert!(telemetry.is_active());
/// # Ok::<(), tracewire::InitError>(())
/// ```
///
/// With the `terminal` feature, [`terminal_exporter`](Self::terminal_exporter)
/// sends the trees somewhere else than stderr.
#[must_use = "nothing is installed until `install()` is called"]
pub struct TelemetryBuilder {
    pub(super) env: EnvLookup,
    pub(super) service_name: Option<String>,
    pub(super) resource_attributes: Vec<KeyValue>,
    pub(super) sampler: Option<Sampler>,
    pub(super) endpoint: Option<String>,
    pub(super) protocol: Option<Protocol>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) compression: Option<Compression>,
    pub(super) propagators: Option<Propagators>,
    pub(super) metrics: Option<bool>,
    pub(super) terminal: Option<bool>,
    pub(super) export_queue_size: Option<usize>,
    pub(super) max_export_batch_size: Option<usize>,
    pub(super) schedule_delay: Option<Duration>,
    pub(super) export_timeout: Option<Duration>,
    pub(super) shutdown_timeout: Option<Duration>,
    pub(super) metric_export_interval: Option<Duration>,
    /// What the `terminal` feature adds: the exporter set in code.
    pub(super) terminal_part: TerminalPart,
    /// What the `tracing` feature adds: whether to install the subscriber.
    pub(super) tracing_part: TracingPart,
}

impl fmt::Debug for TelemetryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("TelemetryBuilder");
        f.field("service_name", &self.service_name)
            .field("resource_attributes", &self.resource_attributes)
            .field("sampler", &self.sampler)
            .field("endpoint", &self.endpoint)
            .field("protocol", &self.protocol)
            // Names only: header values are often secrets.
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("compression", &self.compression)
            .field("propagators", &self.propagators)
            .field("metrics", &self.metrics)
            .field("terminal", &self.terminal)
            .field("export_queue_size", &self.export_queue_size)
            .field("max_export_batch_size", &self.max_export_batch_size)
            .field("schedule_delay", &self.schedule_delay)
            .field("export_timeout", &self.export_timeout)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("metric_export_interval", &self.metric_export_interval);
        self.tracing_part.debug_fields(&mut f);
        f.finish_non_exhaustive()
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
    /// [`HandlerSampler`](crate::sampling::HandlerSampler) so that per-handler `sample = ..` rates apply.
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// The collector's base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`), e.g.
    /// `http://localhost:4318`. Setting it in code also overrides the
    /// per-signal endpoint variables. Needs the `otlp` feature.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`), for both signals.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// Adds a header to every OTLP request, e.g. an API key
    /// (`OTEL_EXPORTER_OTLP_HEADERS`, whose headers it joins, replacing one
    /// of the same name). The value is sent as it is, not percent-decoded.
    ///
    /// Values never appear in errors, `Debug` output or spans; over
    /// `http://` they travel in the clear, so send secrets to `https://`
    /// endpoints only.
    ///
    /// ```no_run
    /// let telemetry = tracewire::Telemetry::builder()
    ///     .endpoint("https://otlp.example.com")
    ///     .header("x-api-key", std::env::var("OTLP_API_KEY").unwrap_or_default())
    ///     .install()?;
    /// # Ok::<(), tracewire::InitError>(())
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Compresses OTLP request bodies (`OTEL_EXPORTER_OTLP_COMPRESSION`).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = Some(compression);
        self
    }

    /// Which W3C formats the [carriers](crate::carrier) inject and extract
    /// (`OTEL_PROPAGATORS`); both by default.
    pub fn propagators(mut self, propagators: Propagators) -> Self {
        self.propagators = Some(propagators);
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
    /// endpoint, traces go to both. On needs the `terminal` feature.
    pub fn terminal(mut self, enabled: bool) -> Self {
        self.terminal = Some(enabled);
        self
    }

    cfg_terminal! {
        /// Prints trees with `exporter` (e.g. to another writer) instead of
        /// [`TerminalExporter::stderr`], whenever the terminal is on.
        pub fn terminal_exporter(mut self, exporter: TerminalExporter) -> Self {
            self.terminal_part.exporter = Some(exporter);
            self
        }
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

    cfg_tracing! {
        /// Whether [`install`](Self::install) makes a `tracing_subscriber`
        /// registry with [`tracewire::tracing::layer`](crate::tracing::layer)
        /// the global default `tracing` subscriber: on by default. It keeps
        /// the levels `RUST_LOG` asks for in its `target=level` form
        /// (`warn,my_app=debug`), INFO when unset (an `EnvFilter` directive it
        /// cannot read is reported on stderr and INFO kept). A subscriber set
        /// before is left alone; [`TelemetryGuard::tracing_subscriber`] tells
        /// what happened.
        ///
        /// Turn it off when you build your own subscriber, and add the layer
        /// to it:
        ///
        /// ```
        /// use tracing_subscriber::layer::SubscriberExt as _;
        ///
        /// let telemetry = tracewire::Telemetry::builder()
        ///     .env_vars([("TRACEWIRE_TERMINAL", "off")])
        ///     .tracing_subscriber(false)
        ///     .install()?;
        /// let subscriber = tracing_subscriber::registry().with(tracewire::tracing::layer());
        /// tracing::subscriber::with_default(subscriber, || {
        ///     tracing::info_span!("request").in_scope(|| tracing::info!("in the trace"));
        /// });
        /// # drop(telemetry);
        /// # Ok::<(), tracewire::InitError>(())
        /// ```
        pub fn tracing_subscriber(mut self, install: bool) -> Self {
            self.tracing_part.install_subscriber = install;
            self
        }
    }
}

cfg_terminal! {
    use super::terminal::TerminalExporter;

    /// The builder's part for the `terminal` feature.
    pub(super) struct TerminalPart {
        /// Set by [`TelemetryBuilder::terminal_exporter`]; stderr without.
        pub(super) exporter: Option<TerminalExporter>,
    }

    impl TerminalPart {
        fn new() -> Self {
            TerminalPart { exporter: None }
        }
    }
}

cfg_not_terminal! {
    /// Without the `terminal` feature there is no exporter to set.
    pub(super) struct TerminalPart;

    impl TerminalPart {
        fn new() -> Self {
            TerminalPart
        }
    }
}

cfg_tracing! {
    use tracing_subscriber::filter::Targets;

    use crate::tracing::GlobalSubscriber;

    /// The builder's part for the `tracing` feature.
    pub(super) struct TracingPart {
        /// [`TelemetryBuilder::tracing_subscriber`]; on by default.
        install_subscriber: bool,
    }

    impl TracingPart {
        fn new() -> Self {
            TracingPart {
                install_subscriber: true,
            }
        }

        fn debug_fields(&self, f: &mut fmt::DebugStruct<'_, '_>) {
            f.field("tracing_subscriber", &self.install_subscriber);
        }

        /// The subscriber to install once the providers are, with the
        /// levels `RUST_LOG` asks for (read through the builder's lookup,
        /// before anything is installed), or none.
        pub(super) fn plan(&self, env: &EnvLookup) -> SubscriberPlan {
            SubscriberPlan(self.install_subscriber.then(|| {
                let rust_log = env("RUST_LOG");
                crate::tracing::subscriber_levels(rust_log.as_deref()).unwrap_or_else(|value| {
                    eprintln!(
                        "tracewire: RUST_LOG={value:?} is not a list of `target=level` or `level`; \
                         the tracing subscriber keeps INFO"
                    );
                    crate::tracing::subscriber_levels(None).unwrap_or_default()
                })
            }))
        }
    }

    /// The global `tracing` subscriber `install` sets up, with its levels.
    pub(super) struct SubscriberPlan(Option<Targets>);

    impl SubscriberPlan {
        /// Installs the subscriber, and tells `guard` what happened.
        pub(super) fn install(self, guard: TelemetryGuard) -> TelemetryGuard {
            guard.with_tracing_subscriber(match self.0 {
                Some(levels) => crate::tracing::install_subscriber(levels),
                None => GlobalSubscriber::NotInstalled,
            })
        }
    }
}

cfg_not_tracing! {
    /// Without the `tracing` feature there is no subscriber to install.
    pub(super) struct TracingPart;

    impl TracingPart {
        fn new() -> Self {
            TracingPart
        }

        fn debug_fields(&self, _: &mut fmt::DebugStruct<'_, '_>) {}

        pub(super) fn plan(&self, _: &EnvLookup) -> SubscriberPlan {
            SubscriberPlan
        }
    }

    pub(super) struct SubscriberPlan;

    impl SubscriberPlan {
        pub(super) fn install(self, guard: TelemetryGuard) -> TelemetryGuard {
            guard
        }
    }
}
