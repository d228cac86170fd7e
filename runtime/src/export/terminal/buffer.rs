//! [`TraceBuffer`]: finished spans grouped by trace until the trace is
//! ready to print, within fixed memory bounds.
//!
//! A trace is ready a grace period after its local root ended, so that the
//! spans of work it spawned and did not wait for (a detached task, a job
//! that outlives its request) are drawn inside its tree when they end within
//! that period. Spans that arrive later still are held as a new, rootless
//! trace until another local root of the trace ends, the buffer evicts
//! them, or shutdown.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::SpanData;

/// Most spans buffered across all traces.
pub(super) const MAX_BUFFERED_SPANS: usize = 10_000;
/// Most traces buffered at once.
pub(super) const MAX_PENDING_TRACES: usize = 1_000;

/// A trace taken out of the buffer, to be printed.
pub(super) struct ReadyTrace {
    pub(super) spans: Vec<SpanData>,
    /// Taken out before its local root ended (evicted, or at shutdown).
    pub(super) incomplete: bool,
}

/// Spans waiting for the rest of their trace.
pub(super) struct TraceBuffer {
    /// How long a trace is held after its local root ends.
    pub(super) grace: Duration,
    traces: HashMap<TraceId, Buffered>,
    /// Trace ids by arrival of their first buffered span, oldest first.
    by_age: BTreeMap<u64, TraceId>,
    next_age: u64,
    span_count: usize,
}

// Up to 10 000 spans: `Debug` summarises rather than dumping them.
impl fmt::Debug for TraceBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceBuffer")
            .field("grace", &self.grace)
            .field("traces", &self.traces.len())
            .field("spans", &self.span_count)
            .finish_non_exhaustive()
    }
}

struct Buffered {
    age: u64,
    spans: Vec<SpanData>,
    /// When the trace is ready: set when its first local root arrives.
    due: Option<SystemTime>,
}

impl TraceBuffer {
    pub(super) fn new(grace: Duration) -> Self {
        TraceBuffer {
            grace,
            traces: HashMap::new(),
            by_age: BTreeMap::new(),
            next_age: 0,
            span_count: 0,
        }
    }

    /// Files a span that arrived at `now`; traces it makes ready at once
    /// (no grace period) or evicts go to `ready`.
    pub(super) fn accept(&mut self, span: SpanData, now: SystemTime, ready: &mut Vec<ReadyTrace>) {
        let trace_id = span.span_context.trace_id();
        let is_root = is_local_root(&span);
        if is_root && self.grace.is_zero() {
            let mut spans = self.take(trace_id).map(|t| t.spans).unwrap_or_default();
            spans.push(span);
            ready.push(ReadyTrace {
                spans,
                incomplete: false,
            });
            return;
        }
        let due = is_root.then(|| now + self.grace);
        match self.traces.entry(trace_id) {
            Entry::Occupied(entry) => {
                let trace = entry.into_mut();
                trace.spans.push(span);
                // The first local root's grace period counts.
                trace.due = trace.due.or(due);
            }
            Entry::Vacant(entry) => {
                let age = self.next_age;
                self.next_age += 1;
                self.by_age.insert(age, trace_id);
                entry.insert(Buffered {
                    age,
                    spans: vec![span],
                    due,
                });
            }
        }
        self.span_count += 1;
        while self.span_count > MAX_BUFFERED_SPANS || self.traces.len() > MAX_PENDING_TRACES {
            let Some((_, oldest)) = self.by_age.pop_first() else {
                break;
            };
            if let Some(trace) = self.traces.remove(&oldest) {
                self.span_count -= trace.spans.len();
                // A trace whose root has ended is complete: it is only
                // printed before its grace period is over.
                ready.push(ReadyTrace {
                    incomplete: trace.due.is_none(),
                    spans: trace.spans,
                });
            }
        }
    }

    /// Moves every trace whose grace period is over at `now` to `ready`, in
    /// the order their roots ended.
    pub(super) fn release_due(&mut self, now: SystemTime, ready: &mut Vec<ReadyTrace>) {
        self.release(ready, |due| due.is_some_and(|due| due <= now));
    }

    /// Moves every trace whose local root has ended to `ready`, in the
    /// order their roots ended, without waiting for the end of its grace
    /// period.
    pub(super) fn release_finished(&mut self, ready: &mut Vec<ReadyTrace>) {
        self.release(ready, |due| due.is_some());
    }

    fn release(
        &mut self,
        ready: &mut Vec<ReadyTrace>,
        release: impl Fn(Option<SystemTime>) -> bool,
    ) {
        // In the order their roots ended, then of arrival.
        let mut ids: Vec<(Option<SystemTime>, u64, TraceId)> = self
            .traces
            .iter()
            .filter(|(_, trace)| release(trace.due))
            .map(|(id, trace)| (trace.due, trace.age, *id))
            .collect();
        ids.sort_unstable_by_key(|(due, age, _)| (*due, *age));
        for (_, _, id) in ids {
            if let Some(trace) = self.take(id) {
                ready.push(ReadyTrace {
                    spans: trace.spans,
                    incomplete: false,
                });
            }
        }
    }

    fn take(&mut self, trace_id: TraceId) -> Option<Buffered> {
        let trace = self.traces.remove(&trace_id)?;
        self.by_age.remove(&trace.age);
        self.span_count -= trace.spans.len();
        Some(trace)
    }

    /// Every buffered trace, oldest first; those whose local root has not
    /// ended are marked incomplete.
    pub(super) fn drain(&mut self) -> Vec<ReadyTrace> {
        let mut ready = Vec::with_capacity(self.traces.len());
        while let Some((_, trace_id)) = self.by_age.pop_first() {
            if let Some(trace) = self.traces.remove(&trace_id) {
                ready.push(ReadyTrace {
                    incomplete: trace.due.is_none(),
                    spans: trace.spans,
                });
            }
        }
        self.span_count = 0;
        ready
    }

    /// (buffered spans, buffered traces).
    #[cfg(test)]
    pub(super) fn counts(&self) -> (usize, usize) {
        (self.span_count, self.traces.len())
    }
}

/// The span that closes this process's part of a trace: no parent, or a
/// parent in another process.
fn is_local_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote
}

/// The span a summary files a trace under: its local root, else its
/// earliest span.
pub(super) fn root_of(spans: &[SpanData]) -> Option<&SpanData> {
    spans
        .iter()
        .find(|span| is_local_root(span))
        .or_else(|| spans.iter().min_by_key(|span| span.start_time))
}
