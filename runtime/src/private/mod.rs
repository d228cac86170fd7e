//! What generated code calls, as `::tracewire::__private::..`: the span
//! guard and its metadata, the macros' autoref probes, and the runtime
//! pieces a handler's expansion names. Not a public API: it may change in
//! any release.
//!
//! A probe wraps a reference; `(&Probe(&x)).__tw_method()` resolves to the
//! trait implemented for `Probe<T>` when `T` has the capability, and
//! otherwise, one autoref further, to the fallback implemented for
//! `&Probe<T>`. So the macros learn what a type can do without guessing
//! from its syntax. One file per family:
//!
//! | file | asks |
//! | --- | --- |
//! | `attr.rs` | is an argument a plain value, recorded as an attribute? |
//! | `outcome.rs` | what does a return value, or the error in it, say about the span's status? |
//! | `message.rs` | does a message argument name the span and carry attributes; is a reply awaited? |
//! | `send.rs` | is the receiver of a send a kameo or ractor actor ref; what did the send give? |
//! | `spawn.rs` | is what is spawned a future, a closure, or neither? |
//!
//! A handler span's path from here: `SpanGuard::start` (`span/start.rs`)
//! asks the registry what is installed (`span/registry.rs`) and starts the
//! span there (the direct path: `span/direct/`); the guard
//! (`span/guard.rs`) makes it current around the body and ends it once;
//! an ended direct-path span goes to the export processor's intake
//! (`export/processor/intake.rs`) and from there to its export thread.

mod attr;
mod message;
mod outcome;
mod send;
mod spawn;

pub use self::attr::{AttrProbe, RecordAttr, SkipAttr, field_value, redacted};
pub use self::message::{
    MessageProbe, NoReplyContext, NotAMessage, ReplyProbe, ViaMessage, ViaReplyContext, handle_kind,
};
pub use self::outcome::{
    ErrorProbe, ErrorViaDisplay, ErrorViaSpanOutcome, ErrorViaTypeName, OutcomeProbe, UnsetOutcome,
    ViaSpanOutcome, required_outcome,
};
pub use self::send::{
    LabelViaMessage, LabelViaType, MessageLabel, NotASendSite, SendProbe, SendResultProbe,
    UnsetSendResult, ViaSendResult, ViaSendSite,
};
pub use self::spawn::{PropagateClosure, PropagateFuture, PropagateOther, PropagateProbe};
pub use crate::carrier::TrustPolicy;
#[cfg(feature = "channel")]
pub use crate::channel::handler::{decode, reject_params, reject_payload, reject_unknown_event};
pub use crate::inbound::InboundRequest;
pub use crate::message::VariantNames;
pub use crate::outcome::Outcome;
pub use crate::propagate::CarriesContext;
pub use crate::send_site::SendSpan;
pub use crate::span::{Instrumented, SpanGuard, SpanMeta};
#[cfg(feature = "tracing")]
pub use crate::tracing::handoff::handoff_span;
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
