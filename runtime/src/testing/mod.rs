#![doc = include_str!("../../docs/guides/testing.md")]

mod capture;
mod sampling;
mod tree;

pub use capture::TestTracing;
pub use sampling::trace_id_under_rate;
pub use tree::{SpanView, TraceTree};
