#![deny(warnings, clippy::all)]
//! The Phoenix Channels server's protocol tests, in one binary: what real
//! WebSocket clients see (`protocol`) and every kind of bad input
//! (`bad_input`).
//!
//! These tests install no tracer provider and take no `TestTracing` lock, so
//! they live apart from the `channel_traced` tests: run in the same process
//! they would run concurrently with a capture, and the spans of their
//! servers (`socket.connect`, `room.join`, ...) would be counted in it.

#[path = "../channel_support/mod.rs"]
mod channel_support;

mod bad_input;
mod protocol;
