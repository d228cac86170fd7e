//! [`EndedSpan`]: what is left of a direct-path span once it has ended, on
//! its way to the export thread, which turns it into the SDK's `SpanData`;
//! and [`SpanContents`], what the span holds while it runs.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::SystemTime;

use opentelemetry::trace::{Event, Link, SpanContext, SpanId, SpanKind, Status};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use crate::semconv::INSTRUMENTATION_SCOPE;

/// An ended span. Built on the thread that ended it with no copy of
/// anything but what the span recorded; converted to `SpanData` where it is
/// exported.
#[derive(Clone, Debug)]
pub(crate) struct EndedSpan {
    pub(crate) span_context: SpanContext,
    pub(crate) contents: SpanContents,
}

/// A span's mutable part, while it runs and after.
///
/// Kept small (96 bytes): it is moved into the context's allocation when
/// the span starts and out of it, into the export buffer, when it ends, and
/// every byte is copied each time. What a handler span has on every call
/// (its name as written, times, attributes) is inline; what it seldom has
/// (events, links, a status, a new name) is in [`Rare`], allocated the
/// first time it is needed.
#[derive(Clone, Debug)]
pub(crate) struct SpanContents {
    pub(crate) parent_span_id: SpanId,
    pub(crate) start: SystemTime,
    pub(crate) end: SystemTime,
    /// The name the span started with; [`Rare::name`] replaces it.
    pub(crate) name: &'static str,
    pub(crate) attributes: Vec<KeyValue>,
    pub(crate) dropped_attributes: u32,
    pub(crate) kind: SpanKind,
    pub(crate) parent_is_remote: bool,
    pub(crate) rare: Option<Box<Rare>>,
}

/// What a span seldom records, out of line.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rare {
    /// Set by `update_name`.
    pub(crate) name: Option<Cow<'static, str>>,
    pub(crate) events: Vec<Event>,
    pub(crate) dropped_events: u32,
    pub(crate) links: Vec<Link>,
    pub(crate) dropped_links: u32,
    pub(crate) status: Status,
}

impl SpanContents {
    /// The rare part, allocated now if it is not yet.
    #[inline]
    pub(crate) fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }
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

impl EndedSpan {
    /// The `SpanData` the SDK would have built for the same span.
    pub(crate) fn into_span_data(self) -> SpanData {
        let d = self.contents;
        let rare = d.rare.map(|rare| *rare).unwrap_or_default();
        let mut events = SpanEvents::default();
        events.events = rare.events;
        events.dropped_count = rare.dropped_events;
        let mut links = SpanLinks::default();
        links.links = rare.links;
        links.dropped_count = rare.dropped_links;
        SpanData {
            span_context: self.span_context,
            parent_span_id: d.parent_span_id,
            parent_span_is_remote: d.parent_is_remote,
            span_kind: d.kind,
            name: rare.name.unwrap_or(Cow::Borrowed(d.name)),
            start_time: d.start,
            end_time: d.end,
            attributes: d.attributes,
            dropped_attributes_count: d.dropped_attributes,
            events,
            links,
            status: rare.status,
            instrumentation_scope: handler_scope().clone(),
        }
    }
}
