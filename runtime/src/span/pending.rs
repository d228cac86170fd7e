//! What starting a span gives ([`Started`]), and [`PendingSpan`]: a
//! recording span that is not yet in a context.

use std::borrow::Cow;

use opentelemetry::global::BoxedSpan;
use opentelemetry::trace::{Span as _, SpanContext, Status, TraceContextExt as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::Span as SdkSpan;

use super::direct::LiveSpan;

/// What starting a span gave.
pub(super) enum Started {
    /// Recording, not yet in a context: it moves into one when its body
    /// first runs (or never, for a send span).
    Pending(PendingSpan),
    /// Recording, already in a child context of its parent (a direct-path
    /// span, built where the context keeps it).
    InContext(Context),
    /// Not recording: all that is left of it is its span context, which
    /// carries the sampling decision.
    NotRecording(SpanContext),
    /// Not started: the installed sampler would follow the parent, which
    /// is not sampled and whose context already carries the decision.
    UnderUnsampledParent,
}

/// A recording span that has started but is not yet in a context.
///
/// The SDK span is boxed as soon as it is known to be recording. It is some
/// 300 bytes, and on its way into a context it would otherwise be copied at
/// every move: out of the tracer, into the span guard, out of it, and twice
/// more inside `Context::with_span`. Boxed, each of those moves a pointer,
/// which costs less than the one small allocation it adds (see
/// BENCHMARKS.md). A span that is not recording is never boxed.
pub(super) enum PendingSpan {
    /// Started on the installed SDK provider.
    Sdk(Box<SdkSpan>),
    /// Started on the OpenTelemetry global provider (nothing installed).
    Global(BoxedSpan),
    /// A direct-path send span, which never becomes current (placed
    /// `Detached`); boxed, so that every span guard does not carry its
    /// size. Only the actor runtime sends.
    #[cfg_attr(not(feature = "actor"), allow(dead_code))]
    Direct(Box<LiveSpan>),
}

impl PendingSpan {
    pub(super) fn set_attribute(&mut self, kv: KeyValue) {
        match self {
            PendingSpan::Sdk(s) => s.set_attribute(kv),
            PendingSpan::Global(s) => s.set_attribute(kv),
            PendingSpan::Direct(s) => s.set_attribute(kv),
        }
    }

    #[cfg(feature = "actor")]
    pub(super) fn span_context(&self) -> &SpanContext {
        match self {
            PendingSpan::Sdk(s) => s.span_context(),
            PendingSpan::Global(s) => s.span_context(),
            PendingSpan::Direct(s) => s.span_context(),
        }
    }

    pub(super) fn end(&mut self) {
        match self {
            PendingSpan::Sdk(s) => s.end(),
            PendingSpan::Global(s) => s.end(),
            PendingSpan::Direct(s) => s.end(),
        }
    }

    pub(super) fn into_context(self, parent: &Context) -> Context {
        match self {
            PendingSpan::Sdk(s) => parent.with_span(HeapSpan(s)),
            PendingSpan::Global(s) => parent.with_span(s),
            PendingSpan::Direct(s) => parent.with_span(*s),
        }
    }
}

/// A boxed SDK span, as a span: what a context holds for a recording
/// span started on the SDK provider, which `Box<SdkSpan>` alone is not.
/// Every method is the SDK span's own.
struct HeapSpan(Box<SdkSpan>);

impl opentelemetry::trace::Span for HeapSpan {
    #[inline]
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: std::time::SystemTime,
        attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        self.0.add_event_with_timestamp(name, timestamp, attributes)
    }

    #[inline]
    fn span_context(&self) -> &SpanContext {
        self.0.span_context()
    }

    #[inline]
    fn is_recording(&self) -> bool {
        self.0.is_recording()
    }

    #[inline]
    fn set_attribute(&mut self, attribute: KeyValue) {
        self.0.set_attribute(attribute)
    }

    #[inline]
    fn set_status(&mut self, status: Status) {
        self.0.set_status(status)
    }

    #[inline]
    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        self.0.update_name(new_name)
    }

    #[inline]
    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        self.0.add_link(span_context, attributes)
    }

    #[inline]
    fn end_with_timestamp(&mut self, timestamp: std::time::SystemTime) {
        self.0.end_with_timestamp(timestamp)
    }
}
