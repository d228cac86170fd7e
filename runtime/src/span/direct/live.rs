//! [`LiveSpan`]: a recording span on the direct path, and what a context
//! holds for it while the span's body runs.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use opentelemetry::KeyValue;
use opentelemetry::trace::{Event, Link, SpanContext, Status};
use opentelemetry_sdk::trace::SpanLimits;

use super::ended::SpanContents;
use super::tracer::DirectTracer;

/// A recording span that is not an SDK span. It behaves as the SDK's does:
/// the same limits on attributes, events and links (counted when exceeded),
/// the same order on statuses, nothing recorded after the end, and the
/// span context still readable then. On its end (or drop) its contents go
/// to the sink of the tracer that started it.
#[derive(Debug)]
pub(crate) struct LiveSpan {
    span_context: SpanContext,
    /// `None` once ended. Inline: the span moves into its context (one
    /// allocation, the context's) as soon as it starts, and at its end the
    /// contents are copied once, into the export buffer; nothing allocated
    /// on the handler's thread is freed on another.
    data: Option<SpanContents>,
    tracer: Arc<DirectTracer>,
}

impl LiveSpan {
    pub(crate) fn new(
        span_context: SpanContext,
        contents: SpanContents,
        tracer: Arc<DirectTracer>,
    ) -> Self {
        LiveSpan {
            span_context,
            data: Some(contents),
            tracer,
        }
    }

    #[inline]
    fn limits(&self) -> &SpanLimits {
        self.tracer.limits()
    }

    fn finish(&mut self, end: Option<SystemTime>) {
        let Some(data) = self.data.as_mut() else {
            return;
        };
        data.end = end.unwrap_or_else(opentelemetry::time::now);
        let data = self.data.take().expect("checked above");
        self.tracer.sink().push(&self.span_context, data);
    }
}

impl opentelemetry::trace::Span for LiveSpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        mut attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        let events_limit = self.limits().max_events_per_span as usize;
        let attributes_limit = self.limits().max_attributes_per_event as usize;
        let Some(data) = self.data.as_mut() else {
            return;
        };
        let rare = data.rare();
        if rare.events.len() < events_limit {
            let dropped = attributes.len().saturating_sub(attributes_limit);
            attributes.truncate(attributes_limit);
            rare.events
                .push(Event::new(name, timestamp, attributes, dropped as u32));
        } else {
            rare.dropped_events += 1;
        }
    }

    #[inline]
    fn span_context(&self) -> &SpanContext {
        &self.span_context
    }

    #[inline]
    fn is_recording(&self) -> bool {
        self.data.is_some()
    }

    #[inline]
    fn set_attribute(&mut self, attribute: KeyValue) {
        let limit = self.limits().max_attributes_per_span as usize;
        let Some(data) = self.data.as_mut() else {
            return;
        };
        if data.attributes.len() < limit {
            data.attributes.push(attribute);
        } else {
            data.dropped_attributes += 1;
        }
    }

    fn set_status(&mut self, status: Status) {
        // Unset, the least status, needs no record of its own.
        if let Some(data) = self.data.as_mut()
            && status > Status::Unset
        {
            let rare = data.rare();
            if status > rare.status {
                rare.status = status;
            }
        }
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        if let Some(data) = self.data.as_mut() {
            data.rare().name = Some(new_name.into());
        }
    }

    fn add_link(&mut self, span_context: SpanContext, mut attributes: Vec<KeyValue>) {
        let links_limit = self.limits().max_links_per_span as usize;
        let attributes_limit = self.limits().max_attributes_per_link as usize;
        let Some(data) = self.data.as_mut() else {
            return;
        };
        let rare = data.rare();
        if rare.links.len() < links_limit {
            let dropped = attributes.len().saturating_sub(attributes_limit);
            attributes.truncate(attributes_limit);
            rare.links
                .push(Link::new(span_context, attributes, dropped as u32));
        } else {
            rare.dropped_links += 1;
        }
    }

    #[inline]
    fn end(&mut self) {
        self.finish(None);
    }

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        self.finish(Some(timestamp));
    }
}

impl Drop for LiveSpan {
    /// Ended on drop, as an SDK span is. Mostly it has been ended already:
    /// then this is one check, the ending itself out of line.
    #[inline]
    fn drop(&mut self) {
        if self.data.is_some() {
            self.end_on_drop();
        }
    }
}

impl LiveSpan {
    #[inline(never)]
    fn end_on_drop(&mut self) {
        self.finish(None);
    }
}
