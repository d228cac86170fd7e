//! Outcome probes: what a handler's return value, or the error inside it,
//! says about how the span ends.

use crate::outcome::Outcome;

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
