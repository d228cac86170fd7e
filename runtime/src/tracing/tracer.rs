//! [`CurrentTracer`]: the tracer tracing-opentelemetry starts `tracing`
//! spans with, which always resolves to the tracer provider installed now.
//!
//! A layer is often built before [`init`](crate::init) or
//! [`TestTracing::install`](crate::testing::TestTracing::install) installs a
//! provider, and tests install a new one each time. A tracer taken from a
//! provider would keep writing to that provider; this one asks at every span.

use std::borrow::Cow;
use std::time::SystemTime;

use opentelemetry::global::{self, BoxedSpan};
use opentelemetry::trace::{Span, SpanBuilder, SpanContext, Status, Tracer};
use opentelemetry::{Context, KeyValue};

use crate::semconv::INSTRUMENTATION_SCOPE;

/// Starts spans on the tracer installed by
/// [`set_tracer_provider`](crate::export::set_tracer_provider), or on the
/// OpenTelemetry global provider when none is, as traced handlers do.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CurrentTracer;

impl Tracer for CurrentTracer {
    type Span = BridgedSpan;

    fn build_with_context(&self, builder: SpanBuilder, parent_cx: &Context) -> BridgedSpan {
        crate::span::with_installed_tracer(|tracer| match tracer {
            Some(tracer) => BridgedSpan::Sdk(tracer.build_with_context(builder, parent_cx)),
            None => BridgedSpan::Global(
                global::tracer(INSTRUMENTATION_SCOPE).build_with_context(builder, parent_cx),
            ),
        })
    }
}

/// A span started by [`CurrentTracer`]: the SDK's own span when a provider
/// is installed, the global provider's boxed span otherwise.
///
/// Not boxed, unlike a handler's span: tracing-opentelemetry moves it once,
/// into the context that holds it for the span's life.
#[allow(clippy::large_enum_variant)]
pub(crate) enum BridgedSpan {
    Sdk(opentelemetry_sdk::trace::Span),
    Global(BoxedSpan),
}

impl Span for BridgedSpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        match self {
            BridgedSpan::Sdk(s) => s.add_event_with_timestamp(name, timestamp, attributes),
            BridgedSpan::Global(s) => s.add_event_with_timestamp(name, timestamp, attributes),
        }
    }

    fn span_context(&self) -> &SpanContext {
        match self {
            BridgedSpan::Sdk(s) => s.span_context(),
            BridgedSpan::Global(s) => s.span_context(),
        }
    }

    fn is_recording(&self) -> bool {
        match self {
            BridgedSpan::Sdk(s) => s.is_recording(),
            BridgedSpan::Global(s) => s.is_recording(),
        }
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        match self {
            BridgedSpan::Sdk(s) => s.set_attribute(attribute),
            BridgedSpan::Global(s) => s.set_attribute(attribute),
        }
    }

    fn set_status(&mut self, status: Status) {
        match self {
            BridgedSpan::Sdk(s) => s.set_status(status),
            BridgedSpan::Global(s) => s.set_status(status),
        }
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        match self {
            BridgedSpan::Sdk(s) => s.update_name(new_name),
            BridgedSpan::Global(s) => s.update_name(new_name),
        }
    }

    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        match self {
            BridgedSpan::Sdk(s) => s.add_link(span_context, attributes),
            BridgedSpan::Global(s) => s.add_link(span_context, attributes),
        }
    }

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        match self {
            BridgedSpan::Sdk(s) => s.end_with_timestamp(timestamp),
            BridgedSpan::Global(s) => s.end_with_timestamp(timestamp),
        }
    }
}
