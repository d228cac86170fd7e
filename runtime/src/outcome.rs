//! How a handler's return value maps onto its span's status.
//!
//! The generated code asks every return value for an [`Outcome`]. `Result`
//! implements [`SpanOutcome`] out of the box; any other type that implements it
//! (a reply enum with an error variant, an HTTP response) is mapped the same
//! way. Types that do not implement it leave the status unset.

use std::fmt::Display;

/// What a handler's return value says about the handler's success.
///
/// Returned by [`SpanOutcome::span_outcome`].
#[derive(Clone, Copy)]
pub enum Outcome<'a> {
    /// Leave the span status unset (the OpenTelemetry default for success).
    Unset,
    /// Mark the span as failed.
    Error {
        /// A low-cardinality name for the kind of failure, recorded as
        /// `error.type` and `exception.type`, for example `"timeout"` or a type name.
        error_type: &'a str,
        /// The human-readable description, recorded as the status description
        /// and as `exception.message`. Formatted only when the span is recording.
        message: &'a dyn Display,
    },
}

impl<'a> Outcome<'a> {
    /// An error outcome with the given `error.type` and message.
    pub fn error(error_type: &'a str, message: &'a dyn Display) -> Self {
        Outcome::Error {
            error_type,
            message,
        }
    }

    /// Whether this outcome marks the span as failed.
    pub fn is_error(&self) -> bool {
        matches!(self, Outcome::Error { .. })
    }
}

impl std::fmt::Debug for Outcome<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Unset => f.write_str("Unset"),
            Outcome::Error {
                error_type,
                message,
            } => f
                .debug_struct("Error")
                .field("error_type", error_type)
                .field("message", &format_args!("{message}"))
                .finish(),
        }
    }
}

/// Maps a handler's return value onto its span's status.
///
/// `Result<T, E>` implements it when `E: Display`: `Err` sets status Error
/// with the error's `Display` as the description, `error.type` set to the
/// error's type name, and an `exception` event. Implement it for your own
/// return types to get the same treatment.
///
/// # Examples
///
/// ```
/// use tracewire::{Outcome, SpanOutcome};
///
/// enum Reply {
///     Ok(u64),
///     Rejected(String),
/// }
///
/// impl SpanOutcome for Reply {
///     fn span_outcome(&self) -> Outcome<'_> {
///         match self {
///             Reply::Ok(_) => Outcome::Unset,
///             Reply::Rejected(reason) => Outcome::error("rejected", reason),
///         }
///     }
/// }
///
/// assert!(Reply::Rejected("full".into()).span_outcome().is_error());
/// assert!(!Reply::Ok(1).span_outcome().is_error());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a span outcome",
    label = "the error type of a traced handler must implement `Display`",
    note = "implement `Display` for the error type, or implement `tracewire::SpanOutcome` for `{Self}`"
)]
pub trait SpanOutcome {
    /// The outcome this value stands for.
    fn span_outcome(&self) -> Outcome<'_>;
}

impl<T, E: Display> SpanOutcome for Result<T, E> {
    fn span_outcome(&self) -> Outcome<'_> {
        match self {
            Ok(_) => Outcome::Unset,
            Err(e) => Outcome::Error {
                error_type: std::any::type_name::<E>(),
                message: e,
            },
        }
    }
}

impl SpanOutcome for () {
    fn span_outcome(&self) -> Outcome<'_> {
        Outcome::Unset
    }
}

impl<T: SpanOutcome + ?Sized> SpanOutcome for &T {
    fn span_outcome(&self) -> Outcome<'_> {
        (**self).span_outcome()
    }
}

impl<T: SpanOutcome + ?Sized> SpanOutcome for Box<T> {
    fn span_outcome(&self) -> Outcome<'_> {
        (**self).span_outcome()
    }
}
