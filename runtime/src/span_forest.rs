//! Finished spans arranged as a forest of traces, and the names shown for
//! span kinds: what the terminal renderer (`export::terminal`) and the test
//! tree (`testing::TraceTree`) both draw.
//!
//! A span's parent is the span of the same trace whose span id is its
//! `parent_span_id`; a span whose parent is absent is a root. Roots, and the
//! children of each span, are in [start order](start_order). Any input is
//! accepted: every span appears exactly once, even when parent links form a
//! cycle (the SDK never makes one, but hand-built or merged data can), in
//! which case the cycle's first span in start order becomes a root.

use std::cmp::Ordering;
use std::collections::HashMap;

use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use opentelemetry_sdk::trace::SpanData;

/// The order spans are shown in: by start time, then by end time. Callers
/// that sort use a stable sort, so spans equal on both keep their order.
pub(crate) fn start_order(a: &SpanData, b: &SpanData) -> Ordering {
    (a.start_time, a.end_time).cmp(&(b.start_time, b.end_time))
}

/// The lower-case name of a span kind, as both renderings show it.
pub(crate) fn kind_name(kind: &SpanKind) -> &'static str {
    match kind {
        SpanKind::Client => "client",
        SpanKind::Server => "server",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    }
}

/// The parent and child links between spans, each span named by its index
/// in the slice given to [`SpanForest::new`].
#[derive(Clone, Debug)]
pub(crate) struct SpanForest {
    // Only the test tree navigates upwards and looks spans up by id.
    #[cfg(feature = "testing")]
    parents: Vec<Option<usize>>,
    #[cfg(feature = "testing")]
    by_id: HashMap<(TraceId, SpanId), usize>,
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

impl SpanForest {
    /// Links `spans`, which may come in any order and from any number of
    /// traces. Of two spans with the same trace and span id, the first in
    /// `spans` is the one children attach to.
    pub(crate) fn new(spans: &[SpanData]) -> Self {
        let mut by_id = HashMap::with_capacity(spans.len());
        for (index, span) in spans.iter().enumerate() {
            by_id.entry(span_key(span)).or_insert(index);
        }
        let mut parents: Vec<Option<usize>> = spans
            .iter()
            .map(|span| {
                if span.parent_span_id == SpanId::INVALID {
                    return None;
                }
                let parent = (span.span_context.trace_id(), span.parent_span_id);
                by_id.get(&parent).copied()
            })
            .collect();

        let mut in_start_order: Vec<usize> = (0..spans.len()).collect();
        in_start_order.sort_by(|&a, &b| start_order(&spans[a], &spans[b]));
        break_cycles(&mut parents, &in_start_order);

        let mut children = vec![Vec::new(); spans.len()];
        let mut roots = Vec::new();
        // Visiting spans in start order leaves every list in start order.
        for &index in &in_start_order {
            match parents[index] {
                Some(parent) => children[parent].push(index),
                None => roots.push(index),
            }
        }
        SpanForest {
            #[cfg(feature = "testing")]
            parents,
            #[cfg(feature = "testing")]
            by_id,
            children,
            roots,
        }
    }

    /// The span's children, in start order.
    pub(crate) fn children(&self, index: usize) -> &[usize] {
        &self.children[index]
    }

    /// Every span, depth first: each root followed by its descendants,
    /// siblings in start order.
    pub(crate) fn depth_first(&self) -> DepthFirst<'_> {
        DepthFirst {
            forest: self,
            stack: siblings(&self.roots, 0).collect(),
        }
    }

    /// The span's parent, if it is in the forest.
    #[cfg(feature = "testing")]
    pub(crate) fn parent(&self, index: usize) -> Option<usize> {
        self.parents[index]
    }

    /// The spans without a parent in the forest, in start order.
    #[cfg(feature = "testing")]
    pub(crate) fn roots(&self) -> &[usize] {
        &self.roots
    }

    /// The span with these ids, if it is in the forest.
    #[cfg(feature = "testing")]
    pub(crate) fn find(&self, trace_id: TraceId, span_id: SpanId) -> Option<usize> {
        self.by_id.get(&(trace_id, span_id)).copied()
    }
}

/// One span's place in a [depth-first walk](SpanForest::depth_first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Visit {
    /// The span's index.
    pub(crate) index: usize,
    /// How many ancestors it has: 0 for a root.
    pub(crate) depth: usize,
    /// Whether it is the last of its siblings (of the roots, for a root).
    pub(crate) last: bool,
}

/// The iterator of [`SpanForest::depth_first`]. It keeps its own stack, so a
/// long parent chain cannot overflow the thread's.
#[derive(Debug)]
pub(crate) struct DepthFirst<'a> {
    forest: &'a SpanForest,
    /// Spans still to visit, the next one on top.
    stack: Vec<Visit>,
}

impl Iterator for DepthFirst<'_> {
    type Item = Visit;

    fn next(&mut self) -> Option<Visit> {
        let visit = self.stack.pop()?;
        let children = &self.forest.children[visit.index];
        self.stack.extend(siblings(children, visit.depth + 1));
        Some(visit)
    }
}

/// `indices` as visits, last first, for pushing onto the walk's stack.
fn siblings(indices: &[usize], depth: usize) -> impl Iterator<Item = Visit> + '_ {
    let last = indices.len().saturating_sub(1);
    indices
        .iter()
        .enumerate()
        .rev()
        .map(move |(position, &index)| Visit {
            index,
            depth,
            last: position == last,
        })
}

fn span_key(span: &SpanData) -> (TraceId, SpanId) {
    (span.span_context.trace_id(), span.span_context.span_id())
}

/// Cuts one parent link in every cycle, that of the cycle's first span in
/// `in_start_order`, so that every span is reachable from a root. Each span
/// is walked over once.
fn break_cycles(parents: &mut [Option<usize>], in_start_order: &[usize]) {
    #[derive(Clone, Copy, PartialEq)]
    enum Seen {
        Not,
        OnPath,
        Done,
    }
    let mut rank = vec![0; parents.len()];
    for (position, &index) in in_start_order.iter().enumerate() {
        rank[index] = position;
    }
    let mut seen = vec![Seen::Not; parents.len()];
    let mut path = Vec::new();
    for &start in in_start_order {
        let mut current = Some(start);
        while let Some(index) = current {
            match seen[index] {
                Seen::Done => break,
                Seen::OnPath => {
                    // The path ran into itself: from `index` on it is a cycle.
                    let from = path.iter().position(|&i| i == index).unwrap_or(0);
                    let first = path[from..].iter().copied().min_by_key(|&i| rank[i]);
                    if let Some(first) = first {
                        parents[first] = None;
                    }
                    break;
                }
                Seen::Not => {
                    seen[index] = Seen::OnPath;
                    path.push(index);
                    current = parents[index];
                }
            }
        }
        for index in path.drain(..) {
            seen[index] = Seen::Done;
        }
    }
}

/// Hand-built spans for unit tests, with fixed ids and times so that
/// renderings are fixed too.
#[cfg(test)]
pub(crate) mod fixtures {
    use std::time::{Duration, SystemTime};

    use opentelemetry::InstrumentationScope;
    use opentelemetry::trace::{
        SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

    /// `ms` milliseconds after the Unix epoch.
    pub(crate) fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    /// A sampled, local span context.
    pub(crate) fn context(trace: u128, span: u64) -> SpanContext {
        SpanContext::new(
            TraceId::from(trace),
            SpanId::from(span),
            TraceFlags::SAMPLED,
            false,
            TraceState::NONE,
        )
    }

    /// A span with no attributes, events or links and an unset status;
    /// `parent` 0 makes it a root.
    pub(crate) fn span(
        trace: u128,
        id: u64,
        parent: u64,
        name: &'static str,
        kind: SpanKind,
        (start_ms, end_ms): (u64, u64),
    ) -> SpanData {
        SpanData {
            span_context: context(trace, id),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: kind,
            name: name.into(),
            start_time: at(start_ms),
            end_time: at(end_ms),
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::default(),
        }
    }

    /// An internal span lasting 100 ms from `start_ms`.
    pub(crate) fn internal(
        trace: u128,
        id: u64,
        parent: u64,
        name: &'static str,
        start_ms: u64,
    ) -> SpanData {
        span(
            trace,
            id,
            parent,
            name,
            SpanKind::Internal,
            (start_ms, start_ms + 100),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{internal, span};
    use super::*;

    /// `name@depth` for each visit, and which visits are last.
    fn walk(spans: &[SpanData]) -> Vec<String> {
        SpanForest::new(spans)
            .depth_first()
            .map(|v| {
                let last = if v.last { " last" } else { "" };
                format!("{}@{}{last}", spans[v.index].name, v.depth)
            })
            .collect()
    }

    #[test]
    fn children_and_roots_follow_start_order_whatever_the_input_order() {
        let spans = [
            internal(1, 3, 1, "second", 5),
            internal(1, 2, 1, "longer", 2),
            span(1, 4, 1, "shorter", SpanKind::Internal, (2, 90)),
            internal(1, 1, 0, "root", 0),
            internal(1, 5, 0, "later.root", 20),
        ];
        // Spans starting together: the one that ends first comes first.
        assert_eq!(
            walk(&spans),
            [
                "root@0",
                "shorter@1",
                "longer@1",
                "second@1 last",
                "later.root@0 last"
            ]
        );
    }

    #[test]
    fn parents_are_found_within_their_own_trace() {
        let spans = [
            internal(1, 1, 0, "a.root", 0),
            internal(2, 1, 0, "b.root", 1),
            internal(2, 2, 1, "b.child", 2),
            internal(1, 2, 1, "a.child", 3),
            internal(1, 3, 99, "orphan", 4),
        ];
        assert_eq!(
            walk(&spans),
            [
                "a.root@0",
                "a.child@1 last",
                "b.root@0",
                "b.child@1 last",
                "orphan@0 last"
            ]
        );
    }

    #[test]
    fn cycles_lose_the_link_of_their_first_span_and_no_span_is_lost() {
        let spans = [
            // tail -> b -> a -> b: the cycle a, b hangs `tail` off it.
            internal(1, 9, 2, "tail", 3),
            internal(1, 2, 1, "b", 2),
            internal(1, 1, 2, "a", 1),
            internal(1, 5, 5, "itself", 0),
        ];
        assert_eq!(
            walk(&spans),
            ["itself@0", "a@0 last", "b@1 last", "tail@2 last"]
        );
    }

    #[test]
    fn a_deep_chain_is_walked_without_recursion() {
        let spans: Vec<SpanData> = (1..=100_000)
            .map(|id| internal(1, id, id - 1, "link", id))
            .collect();
        let forest = SpanForest::new(&spans);
        let depths: Vec<usize> = forest.depth_first().map(|v| v.depth).collect();
        assert_eq!(depths, (0..100_000).collect::<Vec<_>>());
    }

    #[cfg(feature = "testing")]
    #[test]
    fn navigation_and_lookup() {
        let spans = [
            internal(1, 1, 0, "root", 0),
            internal(1, 2, 1, "child", 1),
            internal(1, 2, 1, "same.ids", 2),
        ];
        let forest = SpanForest::new(&spans);
        assert_eq!(forest.roots(), [0]);
        assert_eq!(forest.children(0), [1, 2]);
        assert_eq!(forest.parent(1), Some(0));
        assert_eq!(forest.parent(0), None);
        assert_eq!(forest.find(TraceId::from(1), SpanId::from(2)), Some(1));
        assert_eq!(forest.find(TraceId::from(2), SpanId::from(2)), None);
    }

    #[test]
    fn kind_names() {
        let kinds = [
            SpanKind::Client,
            SpanKind::Server,
            SpanKind::Producer,
            SpanKind::Consumer,
            SpanKind::Internal,
        ];
        let names: Vec<&str> = kinds.iter().map(kind_name).collect();
        assert_eq!(
            names,
            ["client", "server", "producer", "consumer", "internal"]
        );
    }
}
