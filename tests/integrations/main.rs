#![deny(warnings, clippy::all)]
//! The integrations with what Rust users already run (`tracing`, kameo,
//! ractor, axum), in one binary, one module each.
//!
//! Every test here captures spans with `TestTracing`, which serialises them
//! within this process and, with tracewire's `tracing` feature, installs
//! its `tracing` layer as the global default subscriber.

mod example_kameo;
mod example_ractor;
mod example_tracing_bridge;
mod kameo;
mod ractor;
mod tracing_bridge;
