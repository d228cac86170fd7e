//! Why an actor stopped, why a call got no reply, why a message was not
//! sent.

use std::fmt;
use std::time::Duration;

use crate::Outcome;

/// Why an actor stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Asked to stop, or every [`ActorRef`](super::ActorRef) was dropped.
    Normal,
    /// Stopped by its supervisor.
    Shutdown,
    /// A handler panicked, with the panic message.
    Panic(String),
    /// Stopped with an error: an `init` that failed, or
    /// [`ActorContext::stop`](super::ActorContext::stop) with an error reason.
    Error(String),
}

impl StopReason {
    /// Whether this is a normal exit (`Normal` or `Shutdown`), after which
    /// a transient child is not restarted.
    pub fn is_normal(&self) -> bool {
        matches!(self, StopReason::Normal | StopReason::Shutdown)
    }

    /// An error reason from anything displayable.
    pub fn error(reason: impl fmt::Display) -> Self {
        StopReason::Error(reason.to_string())
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Normal => f.write_str("normal"),
            StopReason::Shutdown => f.write_str("shutdown"),
            StopReason::Panic(m) => write!(f, "panic: {m}"),
            StopReason::Error(m) => write!(f, "error: {m}"),
        }
    }
}

impl std::error::Error for StopReason {}

/// An `init` that returns `Err(StopReason::Normal)` declined to start, which
/// is not a failure; a panic or an error is, with `error.type` `panic` or
/// `error`.
impl crate::SpanOutcome for StopReason {
    fn span_outcome(&self) -> Outcome<'_> {
        match self {
            StopReason::Normal | StopReason::Shutdown => Outcome::Unset,
            StopReason::Panic(_) => Outcome::error("panic", self),
            StopReason::Error(_) => Outcome::error("error", self),
        }
    }
}

impl crate::AttributeValue for StopReason {
    fn attribute_value(&self) -> Option<opentelemetry::Value> {
        Some(self.to_string().into())
    }
}

/// Why a call got no reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// No reply within the timeout. The request may still be handled.
    Timeout(Duration),
    /// The actor is not running (stopped, or its mailbox is closed).
    NotRunning,
    /// The handler panicked, with the panic message.
    Panicked(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout(d) => write!(f, "call timed out after {d:?}"),
            CallError::NotRunning => f.write_str("actor is not running"),
            CallError::Panicked(m) => write!(f, "handler panicked: {m}"),
        }
    }
}

impl std::error::Error for CallError {}

impl CallError {
    /// The `error.type` recorded on the client span.
    pub fn error_type(&self) -> &'static str {
        match self {
            CallError::Timeout(_) => "timeout",
            CallError::NotRunning => "not_running",
            CallError::Panicked(_) => "panic",
        }
    }
}

impl crate::SpanOutcome for CallError {
    fn span_outcome(&self) -> Outcome<'_> {
        Outcome::error(self.error_type(), self)
    }
}

/// Why a message could not be put in the mailbox.
#[derive(Debug, PartialEq, Eq)]
pub enum SendError<M> {
    /// The mailbox is full (only from [`ActorRef::try_cast`](super::ActorRef::try_cast)); the message
    /// is handed back.
    Full(M),
    /// The actor is not running; the message is handed back.
    NotRunning(M),
}

impl<M> SendError<M> {
    /// The `error.type` recorded on the producer span.
    pub fn error_type(&self) -> &'static str {
        match self {
            SendError::Full(_) => "mailbox_full",
            SendError::NotRunning(_) => "not_running",
        }
    }
}

impl<M> fmt::Display for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full(_) => f.write_str("mailbox is full"),
            SendError::NotRunning(_) => f.write_str("actor is not running"),
        }
    }
}

impl<M: fmt::Debug> std::error::Error for SendError<M> {}
