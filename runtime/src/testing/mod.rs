#![doc = include_str!("../../docs/guides/testing.md")]

mod capture;
mod tree;

pub use capture::TestTracing;
pub use tree::{SpanView, TraceTree};
