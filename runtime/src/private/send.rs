//! Send probes: whether the receiver of a rewritten send is a kameo or
//! ractor actor ref (`SendProbe`, answered in `tracewire::kameo` and
//! `tracewire::ractor`), the send's outcome, and the name a send span gives
//! its message.

use std::fmt::Display;

use crate::outcome::Outcome;

/// Autoref probe: what the receiver of a send is.
#[doc(hidden)]
pub struct SendProbe<'a, T: ?Sized>(pub &'a T);

/// The receivers that are actor refs of a framework whose mailbox carries
/// the sender's `tracing` span: the actor's name in send spans.
#[doc(hidden)]
pub trait ViaSendSite {
    fn __tw_send_actor(&self) -> Option<&'static str>;
}

/// Every other receiver: no span, the send as written.
#[doc(hidden)]
pub trait NotASendSite {
    #[inline]
    fn __tw_send_actor(&self) -> Option<&'static str> {
        None
    }
}

impl<T: ?Sized> NotASendSite for &SendProbe<'_, T> {}

/// Autoref probe: a send's result, an error when it is an `Err` with a
/// `Display`.
#[doc(hidden)]
pub struct SendResultProbe<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait ViaSendResult<'a> {
    fn __tw_send_outcome(&self) -> Outcome<'a>;
}

impl<'a, T, E: Display> ViaSendResult<'a> for SendResultProbe<'a, Result<T, E>> {
    #[inline]
    fn __tw_send_outcome(&self) -> Outcome<'a> {
        match self.0 {
            Ok(_) => Outcome::Unset,
            Err(e) => Outcome::error(std::any::type_name::<E>(), e),
        }
    }
}

#[doc(hidden)]
pub trait UnsetSendResult {
    #[inline]
    fn __tw_send_outcome(&self) -> Outcome<'static> {
        Outcome::Unset
    }
}

impl<T: ?Sized> UnsetSendResult for &SendResultProbe<'_, T> {}

/// The name a send span gives a message: its variant for a `Message`, else
/// its type's snake_case name.
#[doc(hidden)]
pub struct MessageLabel<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait LabelViaMessage {
    fn __tw_label(&self) -> &'static str;
}

impl<T: crate::Message + ?Sized> LabelViaMessage for MessageLabel<'_, T> {
    #[inline]
    fn __tw_label(&self) -> &'static str {
        self.0.variant_name()
    }
}

#[doc(hidden)]
pub trait LabelViaType {
    fn __tw_label(&self) -> &'static str;
}

impl<T: ?Sized> LabelViaType for &MessageLabel<'_, T> {
    #[inline]
    fn __tw_label(&self) -> &'static str {
        crate::static_name::type_label::<T>()
    }
}
