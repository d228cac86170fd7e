//! [`DirectTracer`]: what the direct path needs to start a span (the
//! sampler and limits of the provider tracewire built) and the
//! [`SpanSink`] its spans go to when they end.

use std::sync::Arc;

use opentelemetry::trace::{Link, SpanContext, SpanKind, TraceContextExt as _, TraceFlags};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SamplingDecision, ShouldSample as _, SpanLimits};

#[cfg(doc)]
use super::ended::EndedSpan;
use super::ended::SpanContents;
use super::ids;
use super::live::LiveSpan;
use crate::sampling::{self, HandlerSampler};

/// Where ended spans go: the export processors' queues, or a test's
/// capture. Called on the thread that ends the span, so it must not block.
pub(crate) trait SpanSink: Send + Sync + std::fmt::Debug + 'static {
    /// The span `span_context` has ended with `contents`. The two are put
    /// together into an [`EndedSpan`] where it is kept, so that it is
    /// built in its place rather than built and then copied there.
    fn push(&self, span_context: &SpanContext, contents: SpanContents);
}

/// Where a recording span the [`DirectTracer`] starts goes, and what a
/// caller makes of one that does not record: the span guard's start
/// functions choose (`span::start`). The span is handed over where it is
/// built, so that putting it in a context moves it no more than building
/// it there.
pub(crate) trait Placement {
    /// What starting gave, recording or not.
    type Started;
    /// The recording span `span`, started under `parent`.
    fn place(span: LiveSpan, parent: &Context) -> Self::Started;
    /// A span the sampler dropped: its span context carries the decision.
    fn not_recording(span_context: SpanContext) -> Self::Started;
}

/// The parts of a tracer provider tracewire built itself that its direct
/// spans need: the provider's sampler, its span limits, and its processors
/// as a sink.
#[derive(Debug)]
pub(crate) struct DirectTracer {
    sampler: HandlerSampler,
    limits: SpanLimits,
    sink: Box<dyn SpanSink>,
}

impl DirectTracer {
    pub(crate) fn new(
        sampler: HandlerSampler,
        limits: SpanLimits,
        sink: Box<dyn SpanSink>,
    ) -> Self {
        DirectTracer {
            sampler,
            limits,
            sink,
        }
    }

    pub(crate) fn limits(&self) -> &SpanLimits {
        &self.limits
    }

    pub(crate) fn sink(&self) -> &dyn SpanSink {
        &*self.sink
    }

    /// Starts a span named `name` under `parent`, deciding as the SDK tracer
    /// with this tracer's sampler would, and places it as `P` says. The
    /// handler's own rate, if any, is already visible to the sampler
    /// (`sampling::with_handler_rate`).
    pub(crate) fn start<P: Placement>(
        self: Arc<Self>,
        name: &'static str,
        kind: &SpanKind,
        rate: Option<f64>,
        links: Option<Vec<Link>>,
        parent: &Context,
    ) -> P::Started {
        // As the SDK tracer: nothing is recorded in a suppressed scope (the
        // export threads run in one).
        if parent.is_telemetry_suppressed() {
            return P::not_recording(SpanContext::empty_context());
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
                return P::not_recording(SpanContext::new(
                    trace_id,
                    span_id,
                    TraceFlags::default(),
                    false,
                    psc.trace_state().clone(),
                ));
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
                    return P::not_recording(SpanContext::new(
                        trace_id,
                        span_id,
                        TraceFlags::default(),
                        false,
                        result.trace_state,
                    ));
                }
                SamplingDecision::RecordAndSample => (true, result.trace_state, result.attributes),
                SamplingDecision::RecordOnly => (false, result.trace_state, result.attributes),
            }
        };
        let flags = psc.trace_flags().with_sampled(sampled);
        let span_context = SpanContext::new(trace_id, span_id, flags, false, trace_state);
        let mut contents = SpanContents {
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
            let rare = contents.rare();
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
        P::place(LiveSpan::new(span_context, contents, self), parent)
    }

    /// Starts a recording span named `name` under `parent`, whose span
    /// context `psc` is valid, sampled, and followed by the sampler (see
    /// [`sampling::follows_parent`]), and places it as `P` says: what
    /// [`start`](Self::start) does in that case, with nothing to decide and
    /// no attributes or links from a sampler. The caller has checked that
    /// `parent` is not suppressed.
    pub(crate) fn start_child<P: Placement>(
        self: &Arc<Self>,
        name: &'static str,
        kind: &SpanKind,
        psc: &SpanContext,
        parent: &Context,
    ) -> P::Started {
        let span_context = SpanContext::new(
            psc.trace_id(),
            ids::span_id(),
            psc.trace_flags().with_sampled(true),
            false,
            psc.trace_state().clone(),
        );
        let contents = SpanContents {
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
        P::place(
            LiveSpan::new(span_context, contents, Arc::clone(self)),
            parent,
        )
    }

    fn limited(&self, mut attributes: Vec<KeyValue>) -> Vec<KeyValue> {
        attributes.truncate(self.limits.max_attributes_per_span as usize);
        attributes
    }
}
