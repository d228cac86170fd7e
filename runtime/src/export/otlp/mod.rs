//! OTLP export (feature `otlp`), over gRPC or http/protobuf, in the clear
//! or over TLS, on a transport of tracewire's own.
//!
//! - `exporter`: the span and metric exporters and their pipelines;
//! - `request`: one export request, of any signal, as both transports
//!   take it;
//! - `logs`: the log exporter and its pipeline (with the `tracing` feature,
//!   for its bridge);
//! - `http`: OTLP/HTTP on hyper's HTTP/1 client;
//! - `grpc`: OTLP/gRPC on tonic, with opentelemetry-proto's clients;
//! - `connect`: TCP and TLS (rustls) connections, for both;
//! - `retry`: which failures are retried, and how long to wait.
//!
//! Why not opentelemetry-otlp's exporters: they read
//! `OTEL_EXPORTER_OTLP_HEADERS`, `_COMPRESSION`, `_INSECURE` and more from
//! the process environment themselves, past
//! [`TelemetryBuilder::env`](crate::TelemetryBuilder::env) and past our checks (a malformed header is
//! skipped in silence); their hyper client has no TLS, and a custom client's
//! transport errors all become "network error", so a wrong CA could not be
//! told apart from a collector that is down; and gRPC TLS would be a second
//! TLS set-up through tonic's features. The messages and the gRPC clients
//! are still opentelemetry-proto's, so the wire format is theirs.

mod connect;
mod exporter;
mod grpc;
mod http;
mod request;
mod retry;

pub(super) use exporter::{metric_reader, span_processor};

cfg_tracing! {
    mod logs;

    pub(super) use logs::logger_provider;
}

/// Sent as `User-Agent` by both transports.
const USER_AGENT: &str = concat!("tracewire/", env!("CARGO_PKG_VERSION"));
