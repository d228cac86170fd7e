#![deny(warnings, clippy::all)]
//! Telemetry export's integration tests, in one binary: OTLP through a real
//! collector (`otlp`), a collector that hangs (`failures`), the terminal
//! exporter and `init()` from the environment (`terminal`), TLS, headers,
//! compression and retries against a receiver of our own (`tls`), OTLP log
//! export to that receiver (`logs`), and the other `OTEL_*` variables
//! (`variables`).
//!
//! Telemetry is process-global: every test here that installs it in this
//! process takes `export_support::serial()`; the rest run `export-child`.

#[path = "../export_support/mod.rs"]
mod export_support;

mod failures;
mod logs;
mod otlp;
mod terminal;
mod tls;
mod variables;
