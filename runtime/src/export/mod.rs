#![doc = include_str!("../../docs/guides/configuration.md")]

// Defined here, public at the crate root (`tracewire::init`,
// `tracewire::Telemetry`, ...), their one path.
pub(crate) mod builder;
mod config;
pub(crate) mod error;
pub(crate) mod guard;
mod install;
mod limits;
#[cfg(feature = "otlp")]
mod otlp;
mod pipeline;
mod processor;
#[cfg(feature = "terminal")]
#[cfg_attr(docsrs, doc(cfg(feature = "terminal")))]
pub mod terminal;

// For the submodules' `super::` imports; not re-exported.
use builder::{Compression, Protocol, TelemetryBuilder};
use error::{InitError, TelemetryError};
use guard::TelemetryGuard;

pub use install::{DROPPED_SPANS, FAILED_SPANS};
pub use pipeline::HandlerPipeline;
pub use processor::{BatchConfig, BoundedSpanProcessor, ProcessorStats, StartError};

// Provider plumbing, for programs that build their own pipeline: the tracer
// and meter setters side by side. `init()` calls them for you.
pub use crate::metrics::{clear_meter_provider, set_handler_metrics_enabled, set_meter_provider};
pub use crate::span::{
    clear_tracer_provider, set_handler_sampled_tracer_provider, set_tracer_provider,
};
