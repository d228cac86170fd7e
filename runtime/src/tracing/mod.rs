#![doc = include_str!("../../docs/guides/integrations.md")]

mod event;
mod global;
pub(crate) mod handoff;
mod layer;
mod logs;
mod tracer;

pub use global::GlobalSubscriber;
pub use layer::layer;
pub use logs::{clear_logger_provider, set_logger_provider};

// The crate's way to install the global `tracing` subscriber, for `init()`
// and `TestTracing`: `global`'s internals stay in `global`.
pub(crate) use global::{install as install_subscriber, levels as subscriber_levels};
