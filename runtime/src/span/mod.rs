//! The span path: how a span tracewire makes (a handler's, or one the
//! runtime makes itself) starts, runs and ends. One step per file:
//!
//! | step | file |
//! | --- | --- |
//! | what the span is: name, kind, rate ([`SpanMeta`]) | `meta.rs` |
//! | which tracer is installed, and what its sampler decides without a call | `registry.rs` |
//! | one start function per kind of parent; where a new span is placed | `start.rs` |
//! | what starting gave; a recording span not yet in a context | `pending.rs` |
//! | the span current around its body, its attributes, its outcome, its one end ([`SpanGuard`]) | `guard.rs` |
//! | the direct path: a span without an SDK span, ended into a sink | `direct/` |
//! | building and installing a provider tracewire owns (`init()`, `HandlerPipeline`, `TestTracing`) | `owned.rs` |
//!
//! Generated code reaches these through [`__private`](crate::__private).
//! On the direct path an ended span goes to the export processors' intake
//! (`export/processor/`), or to the test capture; on the SDK path, to the
//! SDK's span processors.

pub(crate) mod direct;
mod guard;
mod meta;
mod owned;
mod pending;
mod registry;
mod start;

pub use guard::{Instrumented, SpanGuard};
#[cfg(any(feature = "actor", feature = "channel"))]
pub(crate) use meta::LinkTo;
pub use meta::SpanMeta;
pub(crate) use owned::{OwnedProvider, SpanPath};
#[cfg(all(test, feature = "testing"))]
pub(crate) use registry::direct_installed;
#[cfg(feature = "tracing")]
pub(crate) use registry::with_installed_tracer;
pub use registry::{
    clear_tracer_provider, set_handler_sampled_tracer_provider, set_tracer_provider,
};
