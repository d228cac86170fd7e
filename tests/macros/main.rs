#![deny(warnings, clippy::all)]
//! The handler attributes' integration tests, in one binary:
//! `#[traced_actor]`, `#[traced_channel]` and `#[traced]` (`handlers`),
//! `#[derive(Message)]` (`message_derive`), trace context propagation
//! (`propagation`), per-handler sampling and handler metrics
//! (`sampling_metrics`), and the `tasks` example's traces (`example_tasks`).
//!
//! Every test here that records spans or metrics captures them with
//! `TestTracing`, which serialises them within this process.

mod example_tasks;
mod handlers;
mod message_derive;
mod propagation;
mod sampling_metrics;
