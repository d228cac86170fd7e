//! [`SpanRecord`]: what is left of a handler span once it has ended, on its
//! way to the export thread, which turns it into the SDK's `SpanData`.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::SystemTime;

use opentelemetry::trace::{Event, Link, SpanContext, SpanId, SpanKind, Status};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use crate::semconv::INSTRUMENTATION_SCOPE;

/// An ended handler span. Built on the handler's thread with no copy of
/// anything but what the span recorded; converted to `SpanData` where it is
/// exported.
#[derive(Clone, Debug)]
pub(crate) struct SpanRecord {
    pub(crate) span_context: SpanContext,
    pub(crate) data: RecordData,
}

/// A span's mutable part, while it runs and after.
#[derive(Clone, Debug)]
pub(crate) struct RecordData {
    pub(crate) parent_span_id: SpanId,
    pub(crate) parent_is_remote: bool,
    pub(crate) kind: SpanKind,
    pub(crate) name: Cow<'static, str>,
    pub(crate) start: SystemTime,
    pub(crate) end: SystemTime,
    pub(crate) attributes: Vec<KeyValue>,
    pub(crate) dropped_attributes: u32,
    pub(crate) events: Vec<Event>,
    pub(crate) dropped_events: u32,
    pub(crate) links: Vec<Link>,
    pub(crate) dropped_links: u32,
    pub(crate) status: Status,
}

/// The scope handler spans are exported under, as the SDK path names it.
pub(crate) fn handler_scope() -> &'static InstrumentationScope {
    static SCOPE: OnceLock<InstrumentationScope> = OnceLock::new();
    SCOPE.get_or_init(|| {
        InstrumentationScope::builder(INSTRUMENTATION_SCOPE)
            .with_version(env!("CARGO_PKG_VERSION"))
            .build()
    })
}

impl SpanRecord {
    /// The `SpanData` the SDK would have built for the same span.
    pub(crate) fn into_span_data(self) -> SpanData {
        let d = self.data;
        let mut events = SpanEvents::default();
        events.events = d.events;
        events.dropped_count = d.dropped_events;
        let mut links = SpanLinks::default();
        links.links = d.links;
        links.dropped_count = d.dropped_links;
        SpanData {
            span_context: self.span_context,
            parent_span_id: d.parent_span_id,
            parent_span_is_remote: d.parent_is_remote,
            span_kind: d.kind,
            name: d.name,
            start_time: d.start,
            end_time: d.end,
            attributes: d.attributes,
            dropped_attributes_count: d.dropped_attributes,
            events,
            links,
            status: d.status,
            instrumentation_scope: handler_scope().clone(),
        }
    }
}
