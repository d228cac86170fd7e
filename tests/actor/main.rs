#![deny(warnings, clippy::all)]
//! The actor runtime's integration tests, in one binary: the runtime itself
//! (`actor`) and the traces of the actor examples (`example_*`, each of
//! which includes its example from `examples/`).
//!
//! Every test here captures spans with `TestTracing`, which serialises them
//! within this process.

mod actor;
mod example_critical_service;
mod example_data_processor;
mod example_external_service;
mod example_high_throughput_worker;
mod example_report_generator;
mod example_user_cache;
