#![deny(warnings, clippy::all)]
//! The integrations with what Rust users already run (`tracing`, kameo,
//! ractor, axum), in one binary, one module each, with the traces of their
//! examples (`example_*`, each of which includes its example).
//!
//! Every test here that records spans captures them with `TestTracing`,
//! which serialises them within this process and, with tracewire's
//! `tracing` feature, installs its `tracing` layer as the global default
//! subscriber.

mod axum_http;
mod example_axum_http;
mod example_kameo;
mod example_ractor;
mod example_tracing_bridge;
mod kameo;
mod ractor;
mod tracing_bridge;
