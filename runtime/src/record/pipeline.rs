//! [`Pipeline`]: what the record path needs to start a handler span and
//! where its record goes at the end.

use std::sync::Arc;

use opentelemetry::trace::{Link, SpanContext, SpanKind, TraceContextExt as _, TraceFlags};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SamplingDecision, ShouldSample as _, SpanLimits};

use super::data::RecordData;
#[cfg(doc)]
use super::data::SpanRecord;
use super::ids;
use super::live::LiveSpan;
use crate::sampling::{self, HandlerSampler};

/// Where ended records go: the export processors' queues, or a test's
/// capture. Called on the thread that ends the span, so it must not block.
pub(crate) trait RecordSink: Send + Sync + std::fmt::Debug + 'static {
    /// The span `span_context` has ended with `data`. The two are put
    /// together into a [`SpanRecord`] where it is kept, so that the record
    /// is built in its place rather than built and then copied there.
    fn push(&self, span_context: &SpanContext, data: RecordData);
}

/// The parts of a tracer provider tracewire built itself that handler
/// spans need: its sampler, its span limits, and its processors as a sink.
#[derive(Debug)]
pub(crate) struct Pipeline {
    sampler: HandlerSampler,
    limits: SpanLimits,
    sink: Box<dyn RecordSink>,
}

/// What starting a span on the record path gave.
pub(crate) enum Begun {
    /// Recording: the span, already in a child context of the parent
    /// (built where the span is, so that it is moved as little as possible).
    Recording(Context),
    /// Recording, and asked for without a context: a span that never
    /// becomes current (the runtime's client and producer spans).
    Detached(LiveSpan),
    /// Dropped by the sampler: its span context carries the decision.
    NotRecording(SpanContext),
}

impl Pipeline {
    pub(crate) fn new(
        sampler: HandlerSampler,
        limits: SpanLimits,
        sink: Box<dyn RecordSink>,
    ) -> Self {
        Pipeline {
            sampler,
            limits,
            sink,
        }
    }

    pub(crate) fn limits(&self) -> &SpanLimits {
        &self.limits
    }

    pub(crate) fn sink(&self) -> &dyn RecordSink {
        &*self.sink
    }

    /// Starts a span named `name` under `parent`, deciding as the SDK tracer
    /// with this pipeline's sampler would; in a context of its own, or
    /// `DETACHED`, without one (one copy of this function each). The handler's own rate, if any,
    /// is already visible to the sampler (`sampling::with_handler_rate`).
    pub(crate) fn start<const DETACHED: bool>(
        self: Arc<Self>,
        name: &'static str,
        kind: &SpanKind,
        rate: Option<f64>,
        links: Option<Vec<Link>>,
        parent: &Context,
    ) -> Begun {
        // As the SDK tracer: nothing is recorded in a suppressed scope (the
        // export threads run in one).
        if parent.is_telemetry_suppressed() {
            return Begun::NotRecording(SpanContext::empty_context());
        }
        let parent_span = parent.span();
        let psc = parent_span.span_context();
        let parent_valid = psc.is_valid();
        let trace_id = if parent_valid {
            psc.trace_id()
        } else {
            ids::trace_id()
        };
        let span_id = ids::span_id();
        // `HandlerSampler`'s first rule, without the call: a span that
        // follows its parent takes the parent's decision and trace state.
        let (sampled, trace_state, extra) = if parent_valid && sampling::follows_parent(psc, rate) {
            if !psc.is_sampled() {
                let sc = SpanContext::new(
                    trace_id,
                    span_id,
                    TraceFlags::default(),
                    false,
                    psc.trace_state().clone(),
                );
                return Begun::NotRecording(sc);
            }
            (true, psc.trace_state().clone(), Vec::new())
        } else {
            let result = self.sampler.should_sample(
                Some(parent),
                trace_id,
                name,
                kind,
                &[],
                links.as_deref().unwrap_or(&[]),
            );
            match result.decision {
                SamplingDecision::Drop => {
                    let sc = SpanContext::new(
                        trace_id,
                        span_id,
                        TraceFlags::default(),
                        false,
                        result.trace_state,
                    );
                    return Begun::NotRecording(sc);
                }
                SamplingDecision::RecordAndSample => (true, result.trace_state, result.attributes),
                SamplingDecision::RecordOnly => (false, result.trace_state, result.attributes),
            }
        };
        let flags = psc.trace_flags().with_sampled(sampled);
        let span_context = SpanContext::new(trace_id, span_id, flags, false, trace_state);
        let mut data = RecordData {
            parent_span_id: psc.span_id(),
            start: opentelemetry::time::now(),
            end: std::time::SystemTime::UNIX_EPOCH,
            name,
            dropped_attributes: extra
                .len()
                .saturating_sub(self.limits.max_attributes_per_span as usize)
                as u32,
            attributes: self.limited(extra),
            kind: kind.clone(),
            parent_is_remote: parent_valid && psc.is_remote(),
            rare: None,
        };
        if let Some(mut links) = links {
            let limit = self.limits.max_links_per_span as usize;
            let rare = data.rare();
            rare.dropped_links = links.len().saturating_sub(limit) as u32;
            links.truncate(limit);
            let attributes_limit = self.limits.max_attributes_per_link as usize;
            for link in &mut links {
                link.dropped_attributes_count =
                    link.attributes.len().saturating_sub(attributes_limit) as u32;
                link.attributes.truncate(attributes_limit);
            }
            rare.links = links;
        }
        if DETACHED {
            return Begun::Detached(LiveSpan::new(span_context, data, self));
        }
        Begun::Recording(parent.with_span(LiveSpan::new(span_context, data, self)))
    }

    /// Starts a recording span named `name` under `parent`, whose span
    /// context `psc` is valid, sampled, and followed by the sampler (see
    /// [`sampling::follows_parent`]): what [`start`](Self::start) does in
    /// that case, with nothing to decide and no attributes or links from a
    /// sampler. The caller has checked that `parent` is not suppressed.
    pub(crate) fn start_child(
        self: &Arc<Self>,
        name: &'static str,
        kind: &SpanKind,
        psc: &SpanContext,
        parent: &Context,
    ) -> Context {
        self.child(name, kind, psc, |span| parent.with_span(span))
    }

    /// [`start_child`](Self::start_child) without a context: the span
    /// alone, for a span that never becomes current.
    pub(crate) fn start_detached_child(
        self: &Arc<Self>,
        name: &'static str,
        kind: &SpanKind,
        psc: &SpanContext,
    ) -> LiveSpan {
        self.child(name, kind, psc, |span| span)
    }

    /// The child span, handed to `place` where it is built, so that
    /// putting it in a context moves it no more than building it there.
    #[inline(always)]
    fn child<R>(
        self: &Arc<Self>,
        name: &'static str,
        kind: &SpanKind,
        psc: &SpanContext,
        place: impl FnOnce(LiveSpan) -> R,
    ) -> R {
        let span_context = SpanContext::new(
            psc.trace_id(),
            ids::span_id(),
            psc.trace_flags().with_sampled(true),
            false,
            psc.trace_state().clone(),
        );
        let data = RecordData {
            parent_span_id: psc.span_id(),
            start: opentelemetry::time::now(),
            end: std::time::SystemTime::UNIX_EPOCH,
            name,
            attributes: Vec::new(),
            dropped_attributes: 0,
            kind: kind.clone(),
            parent_is_remote: psc.is_remote(),
            rare: None,
        };
        place(LiveSpan::new(span_context, data, Arc::clone(self)))
    }

    fn limited(&self, mut attributes: Vec<KeyValue>) -> Vec<KeyValue> {
        attributes.truncate(self.limits.max_attributes_per_span as usize);
        attributes
    }
}
