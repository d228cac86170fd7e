//! What generated code calls, as `::tracewire::__private::..`: the span
//! guard and its metadata, the macros' probes ([`probes`]), and the
//! runtime pieces a handler's expansion names. Not a public API: it may
//! change in any release.
//!
//! A handler span's path from here: [`SpanGuard::start`] (`span/start.rs`)
//! asks the registry what is installed (`span/registry.rs`) and starts the
//! span there (the direct path: `span/direct/`); the guard
//! (`span/guard.rs`) makes it current around the body and ends it once;
//! an ended direct-path span goes to the export processor's intake
//! (`export/processor/intake.rs`) and from there to its export thread.

mod probes;

pub use self::probes::{
    AttrProbe, ErrorProbe, ErrorViaDisplay, ErrorViaSpanOutcome, ErrorViaTypeName, MessageProbe,
    NoReplyContext, NotAMessage, OutcomeProbe, RecordAttr, ReplyProbe, SkipAttr, UnsetOutcome,
    ViaMessage, ViaReplyContext, ViaSpanOutcome, handle_kind, required_outcome,
};
pub use crate::carrier::TrustPolicy;
#[cfg(feature = "channel")]
pub use crate::channel::handler::{decode, reject_params, reject_payload, reject_unknown_event};
pub use crate::inbound::InboundRequest;
pub use crate::message::VariantNames;
pub use crate::outcome::Outcome;
pub use crate::propagate::{
    CarriesContext, PropagateClosure, PropagateFuture, PropagateOther, PropagateProbe,
};
pub use crate::send_site::{
    LabelViaMessage, LabelViaType, MessageLabel, NotASendSite, SendProbe, SendResultProbe,
    SendSpan, UnsetSendResult, ViaSendResult, ViaSendSite,
};
pub use crate::span::{Instrumented, SpanGuard, SpanMeta};
#[cfg(feature = "tracing")]
pub use crate::tracing::carrier::carrier_span;
pub use crate::value::{DebugValue, DisplayValue};
pub use opentelemetry::Context;
pub use opentelemetry::Value;
pub use opentelemetry::trace::SpanKind;
pub use std::boxed::Box;
pub use std::option::Option::{self, None, Some};
pub use std::pin::Pin;

/// Wraps the `Channel` impl `#[traced_channel]` generates: the impl
/// itself with the `channel` feature, one error naming the feature
/// without it.
pub use crate::__tw_channel_impl as channel_impl;

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
