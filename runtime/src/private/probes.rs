//! The macros' autoref probes: how generated code asks what a type can do
//! (record itself as an attribute, name the span, give an outcome, say
//! whether a reply is awaited) without the macro guessing from type syntax.
//!
//! Each probe wraps a reference; `(&Probe(&x)).__tw_method()` resolves to
//! the trait implemented for `Probe<T>` when `T` has the capability, and
//! otherwise, one autoref further, to the fallback implemented for
//! `&Probe<T>`.

use opentelemetry::Value;

use crate::message::{Message, VariantNames, joined_name};
use crate::outcome::Outcome;

/// Attribute detection by autoref specialisation: `(&AttrProbe(&arg)).__tw_value()`
/// resolves to [`RecordAttr`] when the argument's type implements
/// [`AttributeValue`](crate::AttributeValue), and to [`SkipAttr`] (records
/// nothing) otherwise. This is how arguments "of plain value types" are found
/// without the macro having to guess from type syntax.
#[doc(hidden)]
pub struct AttrProbe<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait RecordAttr {
    fn __tw_value(&self) -> Option<Value>;

    /// The mask, for an argument whose name looks like a secret's.
    #[inline]
    fn __tw_masked(&self) -> Option<Value> {
        super::redacted()
    }
}

impl<T: crate::AttributeValue + ?Sized> RecordAttr for AttrProbe<'_, T> {
    /// An argument is recorded without anyone asking for it, and often comes
    /// from a client: a string is cut to a bounded length.
    #[inline]
    fn __tw_value(&self) -> Option<Value> {
        self.0.attribute_value().map(crate::value::bounded)
    }
}

#[doc(hidden)]
pub trait SkipAttr {
    #[inline]
    fn __tw_value(&self) -> Option<Value> {
        None
    }

    #[inline]
    fn __tw_masked(&self) -> Option<Value> {
        None
    }
}

impl<T: ?Sized> SkipAttr for &AttrProbe<'_, T> {}

/// Outcome detection by autoref specialisation, as for [`AttrProbe`]: types
/// that implement [`SpanOutcome`](crate::SpanOutcome) are asked, others leave
/// the status unset.
#[doc(hidden)]
pub struct OutcomeProbe<'a, T: ?Sized>(pub &'a T);

// The outcome borrows from the probed value (`'a`), not from the probe: the
// probe is a temporary that is gone by the time the outcome is recorded.
#[doc(hidden)]
pub trait ViaSpanOutcome<'a> {
    fn __tw_outcome(&self) -> Outcome<'a>;
}

impl<'a, T: crate::SpanOutcome + ?Sized> ViaSpanOutcome<'a> for OutcomeProbe<'a, T> {
    #[inline]
    fn __tw_outcome(&self) -> Outcome<'a> {
        self.0.span_outcome()
    }
}

#[doc(hidden)]
pub trait UnsetOutcome {
    #[inline]
    fn __tw_outcome(&self) -> Outcome<'static> {
        Outcome::Unset
    }
}

impl<T: ?Sized> UnsetOutcome for &OutcomeProbe<'_, T> {}

/// The outcome of an `Err` value, by autoref specialisation:
/// `(&&ErrorProbe(e)).__tw_error_outcome()` asks the error's own
/// [`SpanOutcome`](crate::SpanOutcome) if it has one (so an error type can
/// name its `error.type`, or declare itself benign), else records it as an
/// error with its type name and `Display`, else (no `Display`) with its type
/// name alone. An `Err` is never silently left unrecorded.
#[doc(hidden)]
pub struct ErrorProbe<'a, E: ?Sized>(pub &'a E);

impl<E: ?Sized> Clone for ErrorProbe<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E: ?Sized> Copy for ErrorProbe<'_, E> {}

#[doc(hidden)]
pub trait ErrorViaSpanOutcome<'a> {
    fn __tw_error_outcome(&self) -> Outcome<'a>;
}

impl<'a, E: crate::SpanOutcome + ?Sized> ErrorViaSpanOutcome<'a> for &ErrorProbe<'a, E> {
    #[inline]
    fn __tw_error_outcome(&self) -> Outcome<'a> {
        self.0.span_outcome()
    }
}

#[doc(hidden)]
pub trait ErrorViaDisplay<'a> {
    fn __tw_error_outcome(&self) -> Outcome<'a>;
}

impl<'a, E: std::fmt::Display> ErrorViaDisplay<'a> for ErrorProbe<'a, E> {
    #[inline]
    fn __tw_error_outcome(&self) -> Outcome<'a> {
        Outcome::Error {
            error_type: std::any::type_name::<E>(),
            message: self.0,
        }
    }
}

#[doc(hidden)]
pub trait ErrorViaTypeName {
    fn __tw_error_outcome(self) -> Outcome<'static>;
}

impl<E: ?Sized> ErrorViaTypeName for ErrorProbe<'_, E> {
    #[inline]
    fn __tw_error_outcome(self) -> Outcome<'static> {
        let name = std::any::type_name::<E>();
        Outcome::Error {
            error_type: name,
            message: &TypeNameMessage,
        }
    }
}

/// The message of an error that has no `Display`: its `error.type` already
/// names it.
struct TypeNameMessage;

impl std::fmt::Display for TypeNameMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error (no Display)")
    }
}

/// The outcome of a `Result` whose `Ok` type is an `impl Trait` being
/// defined by the handler itself, where autoref specialisation cannot see
/// the type: `Err` is an error described by its `Display`.
#[doc(hidden)]
#[inline]
pub fn required_outcome<T: crate::SpanOutcome + ?Sized>(value: &T) -> Outcome<'_> {
    value.span_outcome()
}

/// Span naming and attributes for a handler's message argument, chosen by
/// autoref specialisation: a [`Message`] names the span after its variant and
/// records its attributes; any other type leaves the handler's static name.
#[doc(hidden)]
pub struct MessageProbe<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait ViaMessage {
    fn __tw_span_name(&self, names: &'static VariantNames, plain: &'static str) -> &'static str;
    fn __tw_record(&self, record: &mut dyn FnMut(&'static str, Value));
    fn __tw_handle_name(&self, names: &'static VariantNames, prefix: &'static str) -> &'static str;
    fn __tw_expects_reply(&self) -> Option<bool>;
}

impl<T: Message + ?Sized> ViaMessage for MessageProbe<'_, T> {
    #[inline]
    fn __tw_span_name(&self, names: &'static VariantNames, _plain: &'static str) -> &'static str {
        names.name_for(self.0)
    }
    #[inline]
    fn __tw_record(&self, record: &mut dyn FnMut(&'static str, Value)) {
        self.0.record_attributes(record);
    }
    #[inline]
    fn __tw_handle_name(
        &self,
        names: &'static VariantNames,
        _prefix: &'static str,
    ) -> &'static str {
        names.name_for(self.0)
    }
    #[inline]
    fn __tw_expects_reply(&self) -> Option<bool> {
        Some(self.0.expects_reply())
    }
}

#[doc(hidden)]
pub trait NotAMessage {
    #[inline]
    fn __tw_span_name(&self, _names: &'static VariantNames, plain: &'static str) -> &'static str {
        plain
    }
    #[inline]
    fn __tw_record(&self, _record: &mut dyn FnMut(&'static str, Value)) {}
    fn __tw_handle_name(&self, names: &'static VariantNames, prefix: &'static str) -> &'static str;
    #[inline]
    fn __tw_expects_reply(&self) -> Option<bool> {
        None
    }
}

/// Autoref probe for the reply context of a kameo `handle(&mut self, msg,
/// ctx)`: with the `kameo` feature, a `kameo::message::Context` says
/// whether its sender waits for a reply (an `ask`) or not (a `tell`);
/// anything else (the second argument of another trait's `handle`) says
/// nothing.
#[doc(hidden)]
pub struct ReplyProbe<'a, T: ?Sized>(pub &'a T);

/// The reply context's answer, for the types that have one.
#[doc(hidden)]
pub trait ViaReplyContext {
    fn __tw_expects_reply(&self) -> Option<bool>;
}

#[doc(hidden)]
pub trait NoReplyContext {
    #[inline]
    fn __tw_expects_reply(&self) -> Option<bool> {
        None
    }
}

impl<T: ?Sized> NoReplyContext for &ReplyProbe<'_, T> {}

/// The kind of a kameo or ractor `handle` span: SERVER when its sender
/// waits for the reply (the reply context's answer, else the message's),
/// CONSUMER otherwise, as the OpenTelemetry messaging and RPC conventions
/// say and as tracewire's own `handle_call`/`handle_cast` are.
#[doc(hidden)]
#[inline]
pub fn handle_kind(
    reply_context: Option<bool>,
    message: Option<bool>,
) -> opentelemetry::trace::SpanKind {
    if reply_context.or(message).unwrap_or(false) {
        opentelemetry::trace::SpanKind::Server
    } else {
        opentelemetry::trace::SpanKind::Consumer
    }
}

impl<T: ?Sized> NotAMessage for &MessageProbe<'_, T> {
    /// A message that is not a `Message` (a kameo message struct, a ractor
    /// enum without the derive) is named after its type: `counter.handle
    /// inc` for `Inc`.
    #[inline]
    fn __tw_handle_name(
        &self,
        _names: &'static VariantNames,
        prefix: &'static str,
    ) -> &'static str {
        joined_name(prefix, crate::static_name::type_label::<T>())
    }
}
