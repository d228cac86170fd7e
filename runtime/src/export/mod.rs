#![doc = include_str!("../../docs/guides/configuration.md")]

// Defined here, public at the crate root (`tracewire::init`,
// `tracewire::Telemetry`, ...), their one path.
pub(crate) mod builder;
mod config;
pub(crate) mod error;
pub(crate) mod guard;
mod install;
mod limits;
mod pipeline;
mod processor;
mod transport;
cfg_otlp! {
    mod otlp;
}
cfg_terminal! {
    pub mod terminal;
}

// For the submodules' `super::` imports; not re-exported.
use builder::TelemetryBuilder;
use error::{InitError, TelemetryError};
use guard::TelemetryGuard;

pub use pipeline::HandlerPipeline;
pub use processor::{BatchConfig, BoundedSpanProcessor, ProcessorStats, StartError};
pub use transport::{Compression, Protocol};

// Provider plumbing, for programs that build their own pipeline: the tracer
// and meter setters side by side. `init()` calls them for you.
pub use crate::metrics::{clear_meter_provider, set_handler_metrics_enabled, set_meter_provider};
pub use crate::span::{
    clear_tracer_provider, set_handler_sampled_tracer_provider, set_tracer_provider,
};
