//! [`SpanGuard`]: a span from its start to its one end, made current
//! around its body.
//!
//! A span guard's life has these states ([`State`]):
//!
//! 1. *Pending*: the span records and has started, but is not yet in a
//!    context. Attributes are written straight onto the owned span: no
//!    lock, no dynamic dispatch. An SDK span is pending until its body first
//!    runs; a send span stays pending to its end.
//! 2. *Active*: the span records and is in its own [`Context`], made current
//!    around the body (for an async body, around every poll), so nested
//!    spans and plain OpenTelemetry calls see it. A direct-path span is
//!    active from the start.
//! 3. *Not recording*: the context only carries the sampling decision to
//!    children; attributes are never computed. *Inherited* is the same under
//!    an unsampled local parent, whose context is the one already current.
//! 4. *Ended*.
//!
//! The span ends exactly once, whatever way the body leaves: a return
//! value (mapped through [`SpanOutcome`](crate::SpanOutcome)), a panic
//! (recorded and then resumed unchanged), or the guard being dropped
//! before completion (marked cancelled).

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use opentelemetry::trace::{SpanContext, Status, TraceContextExt as _};
use opentelemetry::{Context, Key, KeyValue, Value};

use super::meta::SpanMeta;
use super::pending::{PendingSpan, Started};
use crate::metrics::{self, CallOutcome};
use crate::outcome::Outcome;
use crate::panic::panic_message;
use crate::semconv;

/// One span, from its start to its one end: a handler call's, or one the
/// runtime makes itself (a send, a broadcast, a presence update, a
/// supervisor's start). Started by the functions in
/// [`start`](super::start); see the module documentation for its life.
#[doc(hidden)]
pub struct SpanGuard {
    state: State,
    /// The parent's context while pending; the span's own once active;
    /// the context that carries the decision when not recording.
    cx: Context,
    name: &'static str,
    /// When the call started, if handler metrics are being recorded.
    started: Option<Instant>,
}

/// Where a [`SpanGuard`]'s span is in its life.
enum State {
    /// Recording, not yet in `cx`, which is the parent's context.
    Pending(PendingSpan),
    /// Recording, in `cx`.
    Active,
    /// Not recording: `cx` carries the decision.
    NotRecording,
    /// Not recording, under an unsampled local parent: `cx` is the context
    /// that was current when the span started, so a sync body, which runs
    /// right then, needs nothing attached.
    Inherited,
    Ended,
}

/// The context a span that is not recording runs in: it only has to
/// carry the sampling decision to children. When the parent already
/// carries "not sampled" for a valid trace it says the same thing, so it is
/// kept and nothing is allocated.
fn unsampled_context(parent: Context, sc: &SpanContext) -> Context {
    let parent_says_same = {
        let parent_span = parent.span();
        let parent_sc = parent_span.span_context();
        parent_sc.is_valid() && !parent_sc.is_sampled()
    };
    if parent_says_same || !sc.is_valid() {
        parent
    } else {
        parent.with_remote_span_context(sc.clone())
    }
}

impl SpanGuard {
    /// The guard for what starting the span `meta` describes under
    /// `parent` gave.
    #[inline]
    pub(super) fn new(
        meta: &SpanMeta,
        span: Started,
        parent: Context,
        started: Option<Instant>,
    ) -> Self {
        let (state, cx) = match span {
            Started::InContext(cx) => (State::Active, cx),
            Started::Pending(span) => (State::Pending(span), parent),
            // A span that is not recording has nothing to end and nothing
            // to record: its context, made now, carries its sampling
            // decision.
            Started::NotRecording(sc) => (State::NotRecording, unsampled_context(parent, &sc)),
            Started::UnderUnsampledParent => (State::NotRecording, parent),
        };
        SpanGuard {
            state,
            cx,
            name: meta.name,
            started,
        }
    }

    /// The guard of a span not started under `current`, an unsampled local
    /// parent whose decision the installed sampler follows.
    #[inline]
    pub(super) fn inherited(meta: &SpanMeta, current: Context, started: Option<Instant>) -> Self {
        SpanGuard {
            state: State::Inherited,
            cx: current,
            name: meta.name,
            started,
        }
    }

    /// Whether attributes, events and status will be kept. Generated code
    /// evaluates attribute expressions only when this is true.
    #[inline]
    pub fn is_recording(&self) -> bool {
        matches!(self.state, State::Pending(_) | State::Active)
    }

    /// Sets the attribute `key` to `value`, if the value converts to one.
    #[inline]
    pub fn record(&mut self, key: &'static str, value: Option<Value>) {
        let Some(value) = value else { return };
        match &mut self.state {
            State::Pending(span) => {
                span.set_attribute(KeyValue::new(Key::from_static_str(key), value));
            }
            State::Active => self
                .cx
                .span()
                .set_attribute(KeyValue::new(Key::from_static_str(key), value)),
            _ => {}
        }
    }

    /// Makes the span part of its context so it can be made current. Only a
    /// recording span is pending; one that is not recording got its context
    /// when it started. Inline, as it is called on every poll and mostly
    /// finds nothing to do.
    #[inline]
    fn activate(&mut self) {
        if matches!(self.state, State::Pending(_)) {
            self.activate_pending();
        }
    }

    fn activate_pending(&mut self) {
        if let State::Pending(span) = std::mem::replace(&mut self.state, State::Active) {
            self.cx = span.into_context(&self.cx);
        }
    }

    /// The context in which the body runs: this span, current.
    pub fn context(&mut self) -> &Context {
        self.activate();
        &self.cx
    }

    /// The context a message this span sends carries, for the receiver's
    /// spans to be its children. The receiver needs the span's identity
    /// (ids, flags, trace state) and the context's entries, not the span
    /// itself, which ends on this side: a recording span's context is
    /// copied with the span context alone, so the span, its contents and
    /// its reference counts stay on this thread and are freed here. A span
    /// that is not recording has no further use for its context, which is
    /// handed over.
    #[cfg(feature = "actor")]
    pub(crate) fn context_to_send(&mut self) -> Context {
        match &self.state {
            // Pending, `cx` is still the parent's context.
            State::Pending(span) => self
                .cx
                .with_remote_span_context(span.span_context().clone()),
            State::Active => {
                let sc = self.cx.span().span_context().clone();
                self.cx.with_remote_span_context(sc)
            }
            _ => std::mem::replace(&mut self.cx, Context::new()),
        }
    }

    /// Runs a synchronous body with this span current. A panic in the body
    /// is recorded on the span, the span is ended, and the panic resumes.
    #[inline]
    pub fn in_scope<R>(&mut self, body: impl FnOnce() -> R) -> R {
        let result = if matches!(self.state, State::Inherited) {
            // The current context is the span's: nothing to attach.
            catch_unwind(AssertUnwindSafe(body))
        } else {
            self.activate();
            let _current = self.cx.clone().attach();
            catch_unwind(AssertUnwindSafe(body))
        };
        match result {
            Ok(value) => value,
            Err(payload) => {
                self.record_panic(&*payload);
                resume_unwind(payload)
            }
        }
    }

    /// Wraps an async body so that this span is current on every poll.
    #[inline]
    pub fn instrument<F: Future>(&mut self, future: F) -> Instrumented<'_, F> {
        self.activate();
        Instrumented { span: self, future }
    }

    /// Polls `future` once with this span current. A panic is recorded on
    /// the span, which is then ended, and the panic resumes.
    pub(crate) fn poll_in_scope<F: Future>(
        &mut self,
        future: Pin<&mut F>,
        task: &mut TaskContext<'_>,
    ) -> Poll<F::Output> {
        self.activate();
        let polled = {
            let _current = self.cx.clone().attach();
            catch_unwind(AssertUnwindSafe(|| future.poll(task)))
        };
        match polled {
            Ok(poll) => poll,
            Err(payload) => {
                self.record_panic(&*payload);
                resume_unwind(payload)
            }
        }
    }

    /// Ends the span with the outcome of the body's return value.
    #[inline]
    pub fn finish(mut self, outcome: Outcome<'_>) {
        if let Outcome::Error {
            error_type,
            message,
        } = outcome
        {
            if self.is_recording() {
                self.record_error(error_type, &message.to_string());
            }
            self.end_with(CallOutcome::Error);
        } else {
            self.end_with(CallOutcome::Ok);
        }
    }

    fn record_error(&mut self, error_type: &str, message: &str) {
        self.activate();
        let span = self.cx.span();
        let error_type = Value::String(error_type.to_owned().into());
        span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, error_type.clone()));
        span.add_event(
            semconv::EXCEPTION_EVENT,
            vec![
                KeyValue::new(semconv::EXCEPTION_TYPE, error_type),
                KeyValue::new(semconv::EXCEPTION_MESSAGE, message.to_owned()),
            ],
        );
        span.set_status(Status::error(message.to_owned()));
    }

    fn record_panic(&mut self, payload: &(dyn Any + Send)) {
        if self.is_recording() {
            self.record_error(semconv::PANIC_TYPE, panic_message(payload));
        }
        self.end_with(CallOutcome::Error);
    }

    fn record_cancelled(&mut self) {
        if self.is_recording() {
            self.activate();
            let span = self.cx.span();
            span.set_attribute(KeyValue::new(semconv::CANCELLED, true));
            span.add_event(semconv::CANCELLED_EVENT, Vec::new());
        }
        self.end_with(CallOutcome::Cancelled);
    }

    /// Inline, with what it seldom does (metrics, a pending span) out of
    /// line: a span that is not recording comes here for a few checks only.
    #[inline]
    fn end_with(&mut self, outcome: CallOutcome) {
        if matches!(self.state, State::Ended) {
            return;
        }
        if let Some(started) = self.started {
            record_metrics(self.name, started, outcome);
        }
        if matches!(self.state, State::Pending(_)) {
            self.end_pending();
        } else {
            let active = matches!(self.state, State::Active);
            // Neither state holds anything to drop: the old value is
            // forgotten, so that this is one store and no drop glue.
            std::mem::forget(std::mem::replace(&mut self.state, State::Ended));
            if active {
                self.cx.span().end();
            }
        }
    }

    #[inline(never)]
    fn end_pending(&mut self) {
        if let State::Pending(mut span) = std::mem::replace(&mut self.state, State::Ended) {
            span.end();
        }
    }
}

#[inline(never)]
fn record_metrics(handler: &'static str, started: Instant, outcome: CallOutcome) {
    metrics::record(handler, started, outcome);
}

impl Drop for SpanGuard {
    /// Inline: mostly the span has ended, and this is one check.
    #[inline]
    fn drop(&mut self) {
        if !matches!(self.state, State::Ended) {
            self.drop_unfinished();
        }
    }
}

impl SpanGuard {
    #[inline(never)]
    fn drop_unfinished(&mut self) {
        // Dropped unfinished: either the body's future was dropped before
        // it completed (cancellation: a timeout, a `select!` branch that lost,
        // an aborted task, a future that was never polled), or a panic is
        // unwinding through code outside the guarded body, such as an
        // attribute expression, whose message is not available here.
        if std::thread::panicking() {
            self.record_panic(&"panicked outside the handler body");
        } else {
            self.record_cancelled();
        }
    }
}

pin_project_lite::pin_project! {
    /// An async body that runs with its span current. Returned by
    /// [`SpanGuard::instrument`].
    ///
    /// If it is dropped before completing, the span it borrows is dropped
    /// unfinished right after, which marks it cancelled.
    #[doc(hidden)]
    pub struct Instrumented<'a, F> {
        span: &'a mut SpanGuard,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Instrumented<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        this.span.poll_in_scope(this.future, task)
    }
}
