#![deny(warnings, clippy::all)]
//! The Phoenix Channels server's traced tests, in one binary: the spans the
//! server creates (`tracing`), the `chat` example's walk-through
//! (`example_chat`), the official JavaScript client against it (`js`), its
//! chat page in headless Chromium (`browser`), a load test (`load`), the
//! limits' metric and refusal spans (`limits`), and two nodes of a cluster
//! through the in-process adapter (`cluster`).
//!
//! Every test here captures spans with `TestTracing`, which serialises them
//! within this process. The untraced protocol tests are in `channel`, a
//! binary of their own, so that their servers' spans never reach a capture.

#[path = "../channel_support/mod.rs"]
mod channel_support;

mod browser;
mod cluster;
mod example_chat;
mod js;
mod limits;
mod load;
mod longpoll;
mod node;
mod presence;
mod presence_cluster;
mod tracing;
