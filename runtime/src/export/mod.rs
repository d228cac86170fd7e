//! Export and set-up: [`init`](crate::init),
//! [`Telemetry::builder`](crate::Telemetry::builder) and the
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
//! as a tree (the [`terminal`] exporter). With one, spans and metrics go
//! over OTLP, http/protobuf or gRPC, in the clear or over TLS, to a local
//! collector or straight to a hosted backend:
//!
//! ```no_run
//! let _telemetry = tracewire::Telemetry::builder()
//!     .endpoint("https://otlp.example.com") // TLS, the Mozilla roots
//!     .header("x-api-key", std::env::var("API_KEY").unwrap_or_default())
//!     .compression(tracewire::export::Compression::Gzip)
//!     .install()?;
//! # Ok::<(), tracewire::InitError>(())
//! ```
//!
//! # Features
//!
//! Each exporter is a cargo feature of tracewire; both are on by default.
//!
//! | feature | adds |
//! | --- | --- |
//! | `otlp` | export over OTLP, gRPC and http/protobuf, with TLS (rustls with ring, the Mozilla roots from webpki-roots), headers and gzip |
//! | `terminal` | the [`terminal`] exporter, which prints each trace as a tree (`console` in `OTEL_TRACES_EXPORTER`), and metric lines (`console` in `OTEL_METRICS_EXPORTER`) |
//!
//! [`init`](crate::init), the builder and the guard are there in every build. When the
//! configuration asks for an exporter that was left out (an endpoint or
//! `otlp` without the `otlp` feature; the terminal, on by default without an
//! endpoint, or `console`, without `terminal`), [`init`](crate::init) installs nothing
//! and returns an [`InitError`] that names the feature to enable.
//! `OTEL_SDK_DISABLED=true` installs nothing, without error, in every build.
//!
//! # Configuration
//!
//! Settings made on the [builder](TelemetryBuilder) win over environment
//! variables, which win over the defaults. Blank variables count as unset,
//! and a per-signal variable (`OTEL_EXPORTER_OTLP_TRACES_*`,
//! `OTEL_EXPORTER_OTLP_METRICS_*`, `OTEL_EXPORTER_OTLP_LOGS_*`) wins over
//! the general one. Every variable
//! is read through the builder's [`env`](TelemetryBuilder::env) lookup,
//! none behind its back. A value that is not valid makes [`init`](crate::init) return an
//! [`InitError`] that names the variable, the value and what is valid; it
//! never panics. Header values are never shown, in errors or anywhere else:
//! they are often secrets.
//!
//! | variable | values | default | builder |
//! | --- | --- | --- | --- |
//! | `OTEL_SDK_DISABLED` | `true`, `false` | `false` | — (`true`: install nothing, return an inert guard) |
//! | `OTEL_SERVICE_NAME` | any name | `unknown_service:<executable>` | [`service_name`](TelemetryBuilder::service_name) |
//! | `OTEL_RESOURCE_ATTRIBUTES` | `key=value,key2=value2`, percent-encoded | — | [`resource_attribute`](TelemetryBuilder::resource_attribute) |
//! | `OTEL_TRACES_SAMPLER` | `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio` | `parentbased_always_on` | [`sampler`](TelemetryBuilder::sampler) |
//! | `OTEL_TRACES_SAMPLER_ARG` | ratio from 0 to 1, for the `*traceidratio` samplers | `1.0` | (part of the sampler) |
//! | `OTEL_TRACES_EXPORTER` | `otlp`, `console`, both, or `none` | `otlp` with an endpoint, `console` without | [`endpoint`](TelemetryBuilder::endpoint), [`terminal`](TelemetryBuilder::terminal) |
//! | `OTEL_METRICS_EXPORTER` | `otlp`, `console`, both, or `none` (metrics off) | `otlp` with an endpoint | [`metrics`](TelemetryBuilder::metrics) |
//! | `OTEL_LOGS_EXPORTER` | `otlp` or `none`; log records come from `tracing` events (features `otlp` and `tracing`) | `otlp` with an endpoint | — |
//! | `OTEL_PROPAGATORS` | `tracecontext`, `baggage`, both, or `none` | both | [`propagators`](TelemetryBuilder::propagators) |
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | base URL: `https://`, `http://`, or no scheme (https); http/protobuf appends `/v1/traces`, `/v1/metrics` and `/v1/logs`, gRPC uses it as is | none: print to the terminal | [`endpoint`](TelemetryBuilder::endpoint) |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `..._METRICS_ENDPOINT`, `..._LOGS_ENDPOINT` | a signal's URL, used as is | from the base | [`endpoint`](TelemetryBuilder::endpoint) |
//! | `OTEL_EXPORTER_OTLP_PROTOCOL` (and per signal) | `grpc`, `http/protobuf` | `http/protobuf` | [`protocol`](TelemetryBuilder::protocol) |
//! | `OTEL_EXPORTER_OTLP_HEADERS` (and per signal) | `name=value,...`, values percent-encoded | — | [`header`](TelemetryBuilder::header) (added to them) |
//! | `OTEL_EXPORTER_OTLP_COMPRESSION` (and per signal) | `gzip`, `none` | `none` | [`compression`](TelemetryBuilder::compression) |
//! | `OTEL_EXPORTER_OTLP_TIMEOUT` (and per signal) | milliseconds: the longest one export may take, retries included | `10000` | [`export_timeout`](TelemetryBuilder::export_timeout) |
//! | `OTEL_EXPORTER_OTLP_CERTIFICATE` (and per signal) | PEM file of the CAs to trust instead of the built-in roots | the Mozilla roots | — |
//! | `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`, `..._CLIENT_KEY` (and per signal) | PEM chain and key for mutual TLS | — | — |
//! | `OTEL_EXPORTER_OTLP_INSECURE` (and per signal) | `true`: no scheme means `http://` | `false` | — |
//! | `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` | `cumulative`, `delta`, `lowmemory` | `cumulative` | — |
//! | `OTEL_BSP_MAX_QUEUE_SIZE` | spans held at most; more are dropped and counted | `2048` | [`export_queue_size`](TelemetryBuilder::export_queue_size) |
//! | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | spans per export, at most the queue size | `512` | [`max_export_batch_size`](TelemetryBuilder::max_export_batch_size) |
//! | `OTEL_BSP_SCHEDULE_DELAY` | milliseconds a partial batch waits | `5000` | [`schedule_delay`](TelemetryBuilder::schedule_delay) |
//! | `OTEL_METRIC_EXPORT_INTERVAL` | milliseconds between metric exports | `60000` | [`metric_export_interval`](TelemetryBuilder::metric_export_interval) |
//! | `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_SPAN_EVENT_COUNT_LIMIT`, `OTEL_SPAN_LINK_COUNT_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_COUNT_LIMIT` | whole numbers (0 keeps none) | `128` | — |
//! | `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` | characters a string attribute value keeps | no limit | — |
//! | `TRACEWIRE_METRICS` | `on`, `off` (or `true`, `false`) | `on` | [`metrics`](TelemetryBuilder::metrics) |
//! | `TRACEWIRE_TERMINAL` | `on`, `off` (or `true`, `false`) | `on` without an endpoint, `off` with one | [`terminal`](TelemetryBuilder::terminal) |
//! | `TRACEWIRE_TERMINAL_RATE` | traces a second printed as trees before the terminal switches to summaries; `0`: never | `20` | the exporter's [`max_traces_per_second`](terminal::TerminalExporter::max_traces_per_second) (with [`terminal_exporter`](TelemetryBuilder::terminal_exporter)) |
//! | `TRACEWIRE_TERMINAL_SUMMARY_PERIOD` | milliseconds between the terminal's summaries | `5000` | [`summary_period`](terminal::TerminalExporter::summary_period) |
//! | `TRACEWIRE_TERMINAL_GRACE_PERIOD` | milliseconds a trace waits after its root ends, for spans that end after it | `500` | [`grace_period`](terminal::TerminalExporter::grace_period) |
//!
//! Log records (with the `otlp` and `tracing` features) go through the
//! SDK's batch log processor with its default limits (2048 queued, 512 a
//! batch, every second); `OTEL_BLRP_*` is not read.
//!
//! The README lists the variables left out on purpose, and why.
//!
//! # TLS, headers, compression, retries
//!
//! An endpoint is TLS when its scheme is `https://`, or when it has none
//! (unless `OTEL_EXPORTER_OTLP_INSECURE=true`), for both protocols; the
//! trusted CAs are the Mozilla roots built in (webpki-roots), so a minimal
//! container image needs no CA files, or those of
//! `OTEL_EXPORTER_OTLP_CERTIFICATE`. Headers go with every request (gRPC:
//! as metadata), gzip compresses HTTP bodies (`Content-Encoding`) and gRPC
//! messages (`grpc-encoding`). A failed export is retried only when the
//! OTLP specification says so: HTTP 429, 502, 503, 504; the gRPC codes it
//! lists; a collector that cannot be reached. The wait is the server's
//! `Retry-After` or `RetryInfo`, or else an exponential backoff with
//! jitter, and all retries fit in the export timeout. A TLS failure, a 401
//! or a 400 is not retried: it fails at once with a message that says what
//! happened (and, for TLS, which CAs were trusted).
//!
//! # Metrics
//!
//! When metrics are on and go somewhere (OTLP, or `console`), a meter
//! provider with a periodic reader exports, every
//! `OTEL_METRIC_EXPORT_INTERVAL` and at shutdown, the handler metrics
//! ([`HANDLER_DURATION`](crate::semconv::HANDLER_DURATION),
//! [`HANDLER_CALLS`](crate::semconv::HANDLER_CALLS)) and two export
//! counters (observable counters with an `exporter` attribute, `otlp` or
//! `terminal`):
//!
//! | instrument | unit | counts |
//! | --- | --- | --- |
//! | `tracewire.export.dropped_spans` ([`EXPORT_DROPPED_SPANS`](crate::semconv::EXPORT_DROPPED_SPANS)) | `{span}` | spans dropped because the export queue was full |
//! | `tracewire.export.failed_spans` ([`EXPORT_FAILED_SPANS`](crate::semconv::EXPORT_FAILED_SPANS)) | `{span}` | spans whose export failed or timed out |
//!
//! With metrics off, no meter provider is installed and handlers stop
//! recording metrics ([`set_handler_metrics_enabled(false)`](crate::export::set_handler_metrics_enabled)).
//! Without an endpoint or `console`, metrics have nowhere to go and none is
//! installed.
//!
//! # A collector that is down
//!
//! Spans are exported by a [`BoundedSpanProcessor`] on a thread of its own,
//! so a handler never waits for the collector, nor for retries: ending a
//! span is an atomic increment and a channel send. At most
//! `OTEL_BSP_MAX_QUEUE_SIZE` spans are held; when the collector is down or
//! slow, further spans are dropped and counted
//! ([`TelemetryGuard::dropped_spans`], the `dropped_spans` metric, and a
//! line on stderr at shutdown), and spans whose export failed are counted
//! as failed, with the last reason
//! ([`TelemetryGuard::last_export_error`]). Every export is bounded by the
//! export timeout, and the next batch is tried afresh, so export resumes as
//! soon as the collector is reachable again.
//!
//! # Why this transport
//!
//! OTLP goes out on a transport of tracewire's own: opentelemetry-proto's
//! messages and generated gRPC clients on tonic, OTLP/HTTP on hyper's
//! HTTP/1 client (the hyper tonic already brings), one rustls connector for
//! both. opentelemetry-otlp's exporters would read several `OTEL_*`
//! variables from the process environment behind the builder's back and
//! turn every transport failure into "network error". Both clients need a
//! tokio reactor, which the SDK's periodic reader doesn't provide (it polls
//! with a plain executor). So each span processor's thread, and the metric
//! exporter, own a small current-thread tokio runtime that drives their
//! exports: telemetry works the same under any runtime, or none, and never
//! takes the application's worker threads.

// Defined here, public at the crate root (`tracewire::init`,
// `tracewire::Telemetry`, ...), their one path.
pub(crate) mod builder;
mod config;
pub(crate) mod error;
pub(crate) mod guard;
mod install;
mod limits;
mod pipeline;
mod processor;
mod transport;
cfg_otlp! {
    mod otlp;
}
cfg_terminal! {
    pub mod terminal;
}

// For the submodules' `super::` imports; not re-exported.
use builder::TelemetryBuilder;
use error::{InitError, TelemetryError};
use guard::TelemetryGuard;

pub use pipeline::HandlerPipeline;
pub use processor::{BatchConfig, BoundedSpanProcessor, ProcessorStats, StartError};
pub use transport::{Compression, Protocol};

// Provider plumbing, for programs that build their own pipeline: the tracer
// and meter setters side by side. `init()` calls them for you.
pub use crate::metrics::{clear_meter_provider, set_handler_metrics_enabled, set_meter_provider};
pub use crate::span::{
    clear_tracer_provider, set_handler_sampled_tracer_provider, set_tracer_provider,
};
