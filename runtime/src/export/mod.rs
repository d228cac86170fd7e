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
//! # Features
//!
//! Each exporter is a cargo feature of tracewire; both are on by default.
//!
//! | feature | adds |
//! | --- | --- |
//! | `otlp` | export over OTLP, gRPC and http/protobuf (the `opentelemetry-otlp` dependency, with its tonic and hyper clients) |
//! | `terminal` | the [`terminal`] exporter, which prints each trace as a tree |
//!
//! [`init`], the builder and the guard are there in every build. When the
//! configuration asks for an exporter that was left out (an endpoint without
//! `otlp`; the terminal, on by default without an endpoint, without
//! `terminal`), [`init`] installs nothing and returns an [`InitError`] that
//! names the feature to enable. `OTEL_SDK_DISABLED=true` installs nothing,
//! without error, in every build.
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
//! recording metrics ([`set_handler_metrics_enabled(false)`](crate::export::set_handler_metrics_enabled)).
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

// Defined here, public at the crate root (`tracewire::init`,
// `tracewire::Telemetry`, ...), their one path.
pub(crate) mod builder;
mod config;
pub(crate) mod error;
pub(crate) mod guard;
mod install;
mod limits;
#[cfg(feature = "otlp")]
mod otlp;
mod processor;
#[cfg(feature = "terminal")]
#[cfg_attr(docsrs, doc(cfg(feature = "terminal")))]
pub mod terminal;

// For the submodules' `super::` imports; not re-exported.
use builder::{Compression, Protocol, TelemetryBuilder};
use error::{InitError, TelemetryError};
use guard::TelemetryGuard;

pub use install::{DROPPED_SPANS, FAILED_SPANS};
pub use processor::{BatchConfig, BoundedSpanProcessor, ProcessorStats, StartError};

// Provider plumbing, for programs that build their own pipeline: the tracer
// and meter setters side by side. `init()` calls them for you.
pub use crate::metrics::{clear_meter_provider, set_handler_metrics_enabled, set_meter_provider};
pub use crate::span::{
    clear_tracer_provider, set_handler_sampled_tracer_provider, set_tracer_provider,
};
