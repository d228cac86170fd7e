//! Message probes: the span name and attributes a handler's message
//! argument gives, and whether its sender waits for a reply.

use opentelemetry::Value;

use crate::message::{Message, VariantNames, joined_name};

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
