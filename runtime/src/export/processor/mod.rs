//! [`BoundedSpanProcessor`]: the span processor tracewire exports through,
//! by job:
//!
//! | file | what it owns |
//! | --- | --- |
//! | `bounded.rs` | the processor itself, its [`BatchConfig`], the SDK's `SpanProcessor` calls, admission against the capacity |
//! | `stats.rs` | [`ProcessorStats`], the counts shared with the export thread |
//! | `intake.rs` | the intake of ended direct-path spans, and the buffer it shares with the export thread |
//! | `worker.rs` | the export thread: batching, flush, shutdown, each export bounded in time |
//! | `export_runtime.rs` | the tokio runtime an export thread drives its exports on |

mod bounded;
mod export_runtime;
mod intake;
mod stats;
#[cfg(test)]
mod tests;
mod worker;

pub use bounded::{BatchConfig, BoundedSpanProcessor, StartError};
#[cfg(feature = "otlp")]
pub(crate) use export_runtime::ExportRuntime;
pub(crate) use intake::Intakes;
pub use stats::ProcessorStats;
