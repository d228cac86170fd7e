#![deny(warnings, clippy::all)]
//! Integrations with what Rust users already run, in one binary: inbound
//! HTTP through axum (`axum_http`) and the `axum_http` example
//! (`example_axum_http`).
//!
//! Every test here that records spans captures them with `TestTracing`,
//! which serialises them within this process.

mod axum_http;
mod example_axum_http;
