//! [`BoundedSpanProcessor`]: the span processor tracewire exports through,
//! by job:
//!
//! | file | what it owns |
//! | --- | --- |
//! | `bounded.rs` | the processor itself, the SDK's `SpanProcessor` calls, admission against the capacity |
//! | `batch_config.rs` | [`BatchConfig`], its limits and timings |
//! | `stats.rs` | [`ProcessorStats`], the counts shared with the export thread |
//! | `intake.rs` | the intake of ended direct-path spans, and the buffer it shares with the export thread |
//! | `worker.rs` | the export thread: batching, flush, shutdown, each export bounded in time |
//! | `export_runtime.rs` | the tokio runtime an export thread drives its exports on |

mod batch_config;
mod bounded;
mod export_runtime;
mod intake;
mod stats;
#[cfg(test)]
mod tests;
mod worker;

pub use batch_config::BatchConfig;
pub use bounded::{BoundedSpanProcessor, StartError};
#[cfg(feature = "otlp")]
pub(crate) use export_runtime::ExportRuntime;
pub(crate) use intake::Intakes;
pub use stats::ProcessorStats;
