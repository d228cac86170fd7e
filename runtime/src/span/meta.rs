//! [`SpanMeta`]: what a span is, fixed before it starts; and [`LinkTo`],
//! the context value that asks for a linked new trace.

use std::borrow::Cow;

use opentelemetry::trace::{SpanBuilder, SpanContext, SpanKind};

/// What a span is, fixed at compile time: its name, kind and sampling
/// rate. Generated code passes a constant `&SpanMeta { .. }` for each
/// handler, which the compiler promotes to a static; the runtime's own
/// spans (sends, broadcasts, presence, supervisors) have constants or
/// names joined once at run time and kept.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct SpanMeta {
    pub name: &'static str,
    pub kind: SpanKind,
    /// The handler's own head-sampling rate (`sample = ..`), if any.
    pub sample: Option<f64>,
}

impl SpanMeta {
    /// An internal span with no sampling rate of its own.
    pub const fn internal(name: &'static str) -> Self {
        SpanMeta {
            name,
            kind: SpanKind::Internal,
            sample: None,
        }
    }

    /// The SDK's builder for this span, for the SDK and global paths.
    #[inline]
    pub(super) fn builder(&self) -> SpanBuilder {
        SpanBuilder::from_name(Cow::Borrowed(self.name)).with_kind(self.kind.clone())
    }
}

/// A context value asking the next span started under it, when no span is
/// active, to start a new trace linked to this span context. The actor
/// runtime uses it for timer messages, the channel server for messages
/// from a client whose context is not trusted.
#[derive(Clone, Debug)]
pub(crate) struct LinkTo(pub(crate) SpanContext);
