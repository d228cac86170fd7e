//! # tracewire
//!
//! OpenTelemetry tracing for actors and real-time channels, generated at
//! compile time.
//!
//! Put [`#[traced_actor]`](traced_actor) on an actor's impl block,
//! [`#[traced_channel]`](traced_channel) on a channel handler's impl block, or
//! [`#[traced]`](traced) on a single function, and every handler becomes an
//! OpenTelemetry span:
//!
//! - a span name fixed at compile time (`user_cache.get_user`), never allocated;
//! - attributes from the arguments whose types are plain values, plus declared
//!   `fields(..)`, all computed only when the span is recording;
//! - `Err` results, panics and cancellation mapped to status and an
//!   `exception` event;
//! - the span current across every poll, so nested handlers and plain
//!   OpenTelemetry spans become its children.
//!
//! ```
//! use tracewire::prelude::*;
//!
//! struct UserCache {
//!     users: std::collections::HashMap<u64, String>,
//! }
//!
//! #[derive(Debug)]
//! struct NotFound;
//! impl std::fmt::Display for NotFound {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         f.write_str("user not found")
//!     }
//! }
//!
//! #[traced_actor]
//! impl UserCache {
//!     // Span "user_cache.get_user" with attributes user_id and cache_size.
//!     #[span(fields(cache_size = self.users.len()))]
//!     async fn get_user(&mut self, user_id: u64) -> Result<String, NotFound> {
//!         self.users.get(&user_id).cloned().ok_or(NotFound)
//!     }
//! }
//! ```
//!
//! The macros emit paths into [`__private`]; only this crate needs to be a
//! dependency.

// Lets the crate's own tests and doc examples use `::tracewire::..` paths,
// exactly as generated code does.
extern crate self as tracewire;

pub mod actor;
pub mod carrier;
pub mod channel;
pub mod export;
pub mod message;
pub mod metrics;
mod outcome;
pub mod propagate;
pub mod sampling;
pub mod semconv;
mod span;
mod value;

#[cfg(feature = "testing")]
pub mod testing;

pub use carrier::{RemoteParent, TrustPolicy};
pub use export::{
    InitError, Protocol, Telemetry, TelemetryBuilder, TelemetryError, TelemetryGuard, init,
};
pub use message::Message;
pub use outcome::{Outcome, SpanOutcome};
pub use propagate::{
    CarriesContext, Traced, spawn, spawn_blocking, spawn_blocking_child, spawn_blocking_linked,
    spawn_child, spawn_linked,
};
pub use span::{
    INSTRUMENTATION_SCOPE, clear_tracer_provider, set_handler_sampled_tracer_provider,
    set_tracer_provider,
};
pub use value::AttributeValue;

pub use tracewire_macros::{
    Message, event, handle_out, span, traced, traced_actor, traced_channel, untraced,
};

/// The items most programs need: `use tracewire::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AttributeValue, Message, Outcome, SpanOutcome, Traced, event, handle_out, span, traced,
        traced_actor, traced_channel, untraced,
    };
}

/// What generated code calls. Not a public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    #[doc(hidden)]
    pub use crate::__tw_channel_impl as channel_impl;
    pub use crate::channel::handler::{
        decode, reject_params, reject_payload, reject_unknown_event,
    };
    pub use crate::message::{MessageProbe, NotAMessage, VariantNames, ViaMessage};
    pub use crate::outcome::Outcome;
    pub use crate::propagate::{
        CarriesContext, PropagateClosure, PropagateFuture, PropagateOther, PropagateProbe,
    };
    pub use crate::span::{
        AttrProbe, ErrorProbe, ErrorViaDisplay, ErrorViaSpanOutcome, ErrorViaTypeName, HandlerMeta,
        HandlerSpan, Instrumented, OutcomeProbe, RecordAttr, SkipAttr, UnsetOutcome,
        ViaSpanOutcome, required_outcome,
    };
    pub use crate::value::{DebugValue, DisplayValue};
    pub use opentelemetry::Context;
    pub use opentelemetry::Value;
    pub use opentelemetry::trace::SpanKind;
    pub use std::boxed::Box;
    pub use std::option::Option::{self, None, Some};
    pub use std::pin::Pin;

    /// The value of a declared field. A separate function so that a type
    /// that cannot be recorded is reported on the user's expression.
    #[inline]
    pub fn field_value<T: crate::AttributeValue + ?Sized>(value: &T) -> Option<Value> {
        value.attribute_value()
    }

    /// The mask recorded for `redact(..)` arguments.
    #[inline]
    pub fn redacted() -> Option<Value> {
        Some(Value::String(crate::semconv::REDACTED.into()))
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! __tw_channel_impl {
    ($($item:tt)*) => { $($item)* };
}
