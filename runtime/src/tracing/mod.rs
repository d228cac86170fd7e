#![doc = include_str!("../../docs/guides/integrations.md")]

mod event;
pub(crate) mod global;
pub(crate) mod handoff;
mod layer;
mod logs;
mod tracer;

pub use global::GlobalSubscriber;
pub use layer::layer;
pub use logs::{clear_logger_provider, set_logger_provider};
