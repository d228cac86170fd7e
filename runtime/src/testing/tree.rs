//! [`TraceTree`] and [`SpanView`]: captured spans arranged as a forest of
//! traces, navigation, the chainable assertions, and the rendering that
//! every failed assertion prints.

use std::fmt::{self, Write as _};

use opentelemetry::trace::{Event, Link, SpanContext, SpanId, SpanKind, Status};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::span_forest::{SpanForest, kind_name, start_order};

/// A snapshot of finished spans, queried and rendered as a forest of traces.
///
/// Spans are ordered by start time (then end time); a span's parent is the
/// captured span with the same trace id whose span id is its
/// `parent_span_id`. The [`Display`](fmt::Display) rendering shows every
/// span with its kind, status, attributes, events and links, indented under
/// its parent.
#[derive(Debug, Clone)]
pub struct TraceTree {
    spans: Vec<SpanData>,
    forest: SpanForest,
}

impl TraceTree {
    /// Arranges `spans` into traces.
    pub fn from_spans(mut spans: Vec<SpanData>) -> Self {
        // Stable, so spans with the same start and end keep export order.
        spans.sort_by(start_order);
        let forest = SpanForest::new(&spans);
        Self { spans, forest }
    }

    /// The number of captured spans.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether no span was captured.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The one span named `name`; panics, showing the tree, unless there is
    /// exactly one.
    #[track_caller]
    pub fn span(&self, name: &str) -> SpanView<'_> {
        self.unique(name)
            .unwrap_or_else(|msg| panic!("{msg}\n\n{}", self.rendered()))
    }

    /// Every span named `name`, in start order.
    pub fn spans_named(&self, name: &str) -> Vec<SpanView<'_>> {
        self.iter().filter(|span| span.name() == name).collect()
    }

    /// The spans whose parent was not captured, in start order.
    pub fn roots(&self) -> Vec<SpanView<'_>> {
        self.forest.roots().iter().map(|&i| self.view(i)).collect()
    }

    /// Every span, in start order.
    pub fn iter(&self) -> impl Iterator<Item = SpanView<'_>> {
        (0..self.spans.len()).map(|i| self.view(i))
    }

    /// Span names only, one per line, indented two spaces per depth.
    pub fn shape(&self) -> String {
        let mut out = String::new();
        // Writing into a `String` cannot fail.
        let _ = self.walk(&mut |depth, span| writeln!(out, "{:1$}{2}", "", depth * 2, span.name));
        out
    }

    /// Asserts that [`shape`](Self::shape) equals `expected`, ignoring
    /// trailing whitespace, blank leading and trailing lines, and the common
    /// indentation of `expected`, so an indented string literal works.
    #[track_caller]
    pub fn assert_shape(&self, expected: &str) {
        let expected = normalize(expected);
        let actual = normalize(&self.shape());
        if expected != actual {
            panic!(
                "trace shape mismatch\n\nexpected:\n{expected}\n\nactual:\n{actual}\n\n{}",
                self.rendered()
            );
        }
    }

    fn view(&self, index: usize) -> SpanView<'_> {
        SpanView { tree: self, index }
    }

    fn unique(&self, name: &str) -> Result<SpanView<'_>, String> {
        match self.spans_named(name).as_slice() {
            [one] => Ok(*one),
            found => Err(format!(
                "expected exactly one span named `{name}`, found {}",
                found.len()
            )),
        }
    }

    fn find(&self, sc: &SpanContext) -> Option<SpanView<'_>> {
        let index = self.forest.find(sc.trace_id(), sc.span_id());
        index.map(|i| self.view(i))
    }

    /// The linked span's name if captured, else its ids.
    fn link_target(&self, link: &Link) -> String {
        let sc = &link.span_context;
        match self.find(sc) {
            Some(span) => span.name().to_string(),
            None => format!("trace {} span {}", sc.trace_id(), sc.span_id()),
        }
    }

    /// The tree as failure messages append it.
    fn rendered(&self) -> String {
        format!("captured spans:\n{self}")
    }

    /// Visits every span depth-first, roots and children in start order.
    fn walk<F>(&self, visit: &mut F) -> fmt::Result
    where
        F: FnMut(usize, &SpanData) -> fmt::Result,
    {
        self.forest
            .depth_first()
            .try_for_each(|v| visit(v.depth, &self.spans[v.index]))
    }
}

impl fmt::Display for TraceTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "(no spans captured)");
        }
        self.walk(&mut |depth, span| {
            let indent = "  ".repeat(depth);
            write!(f, "{indent}{} [{}]", span.name, kind_name(&span.span_kind))?;
            match &span.status {
                Status::Unset => {}
                status => write!(f, " {}", ShowStatus(status))?,
            }
            for kv in sorted(&span.attributes) {
                write!(f, " {}={}", kv.key, ShowValue(&kv.value))?;
            }
            writeln!(f)?;
            for event in span.events.iter() {
                write!(f, "{indent}    • {}", event.name)?;
                write_attr_list(f, &event.attributes)?;
                writeln!(f)?;
            }
            for link in span.links.iter() {
                write!(f, "{indent}    ↪ link to {}", self.link_target(link))?;
                write_attr_list(f, &link.attributes)?;
                writeln!(f)?;
            }
            Ok(())
        })
    }
}

/// One span within a [`TraceTree`], with navigation and chainable
/// assertions. Every failed assertion panics with the span's name, what was
/// expected, what was found, and the whole rendered tree.
#[derive(Clone, Copy)]
pub struct SpanView<'a> {
    tree: &'a TraceTree,
    index: usize,
}

impl<'a> SpanView<'a> {
    /// The span's name.
    pub fn name(&self) -> &'a str {
        &self.data().name
    }

    /// The span's kind.
    pub fn kind(&self) -> &'a SpanKind {
        &self.data().span_kind
    }

    /// Everything the SDK recorded for the span.
    pub fn data(&self) -> &'a SpanData {
        &self.tree.spans[self.index]
    }

    /// The captured parent, if any.
    pub fn parent(&self) -> Option<SpanView<'a>> {
        self.tree
            .forest
            .parent(self.index)
            .map(|i| self.tree.view(i))
    }

    /// The captured children, in start order.
    pub fn children(&self) -> Vec<SpanView<'a>> {
        let tree = self.tree;
        tree.forest
            .children(self.index)
            .iter()
            .map(|&i| tree.view(i))
            .collect()
    }

    /// The value of attribute `key`, if set.
    pub fn attr(&self, key: &str) -> Option<&'a Value> {
        // Last match, because a later write to the same key replaces it.
        find_attr(&self.data().attributes, key)
    }

    /// The span's status.
    pub fn status(&self) -> &'a Status {
        &self.data().status
    }

    /// The span's events, in the order they were added.
    pub fn events(&self) -> &'a [Event] {
        &self.data().events
    }

    /// The first event named `name`.
    pub fn event(&self, name: &str) -> Option<&'a Event> {
        self.events().iter().find(|event| event.name == name)
    }

    /// The span's links.
    pub fn links(&self) -> &'a [Link] {
        &self.data().links
    }

    /// Asserts that the captured parent is named `parent_name`.
    #[track_caller]
    pub fn assert_parent(self, parent_name: &str) -> Self {
        let parent = self.parent();
        self.check(parent.is_some_and(|p| p.name() == parent_name), || {
            let found = match parent {
                Some(p) => format!("its parent is `{}`", p.name()),
                None => format!("it has no captured parent ({})", self.parent_id()),
            };
            format!("expected parent `{parent_name}`, but {found}")
        })
    }

    /// Asserts that the span has no parent at all: none captured, and no
    /// parent span id (so not a child of an uncaptured or remote span).
    #[track_caller]
    pub fn assert_root(self) -> Self {
        let parent = self.parent();
        let no_parent_id = self.data().parent_span_id == SpanId::INVALID;
        self.check(parent.is_none() && no_parent_id, || match parent {
            Some(p) => format!("expected a root span, but its parent is `{}`", p.name()),
            None => format!("expected a root span, but it has {}", self.parent_id()),
        })
    }

    /// Asserts the span's kind.
    #[track_caller]
    pub fn assert_kind(self, kind: SpanKind) -> Self {
        self.check(*self.kind() == kind, || {
            let (expected, found) = (kind_name(&kind), kind_name(self.kind()));
            format!("expected kind {expected}, found {found}")
        })
    }

    /// Asserts that attribute `key` equals `value`, type included: `42` is an
    /// `i64`, not the string `"42"`.
    #[track_caller]
    pub fn assert_attr(self, key: &str, value: impl Into<Value>) -> Self {
        let expected = value.into();
        let actual = self.attr(key);
        self.check(actual == Some(&expected), || {
            let found = match actual {
                Some(v) => format!("found {key}={}", ShowValue(v)),
                None => "but it is not set".to_string(),
            };
            format!("expected attribute {key}={}, {found}", ShowValue(&expected))
        })
    }

    /// Asserts that attribute `key` is not set.
    #[track_caller]
    pub fn assert_no_attr(self, key: &str) -> Self {
        let actual = self.attr(key);
        self.check(actual.is_none(), || {
            let found = actual.map(|v| ShowValue(v).to_string()).unwrap_or_default();
            format!("expected no attribute `{key}`, found {key}={found}")
        })
    }

    /// Asserts that the status is unset.
    #[track_caller]
    pub fn assert_status_unset(self) -> Self {
        self.check(*self.status() == Status::Unset, || {
            format!("expected status unset, found {}", ShowStatus(self.status()))
        })
    }

    /// Asserts an error status with exactly `description`.
    #[track_caller]
    pub fn assert_status_error(self, description: &str) -> Self {
        let ok = matches!(self.status(), Status::Error { description: d } if d == description);
        self.check(ok, || {
            let found = ShowStatus(self.status());
            format!("expected status ERROR: {description}, found {found}")
        })
    }

    /// Asserts that an event named `name` was recorded.
    #[track_caller]
    pub fn assert_event(self, name: &str) -> Self {
        self.check(self.event(name).is_some(), || {
            format!(
                "expected event `{name}`, found events [{}]",
                self.event_names()
            )
        })
    }

    /// Asserts that some event named `event` has attribute `key` equal to
    /// `value`.
    #[track_caller]
    pub fn assert_event_attr(self, event: &str, key: &str, value: impl Into<Value>) -> Self {
        let expected = value.into();
        let named: Vec<&Event> = self.events().iter().filter(|e| e.name == event).collect();
        let ok = named
            .iter()
            .any(|e| find_attr(&e.attributes, key) == Some(&expected));
        self.check(ok, || {
            let wanted = format!(
                "expected event `{event}` with {key}={}",
                ShowValue(&expected)
            );
            if named.is_empty() {
                return format!("{wanted}, found events [{}]", self.event_names());
            }
            let found: Vec<String> = named
                .iter()
                .map(|e| AttrList(&e.attributes).to_string())
                .collect();
            format!("{wanted}, found `{event}` with {}", found.join(" and "))
        })
    }

    /// Asserts that no event named `name` was recorded.
    #[track_caller]
    pub fn assert_no_event(self, name: &str) -> Self {
        let found = self.event(name);
        self.check(found.is_none(), || {
            let attrs = found
                .map(|e| AttrList(&e.attributes).to_string())
                .unwrap_or_default();
            format!("expected no event `{name}`, found `{name}` with {attrs}")
        })
    }

    /// Asserts a link to a captured span named `other_name`.
    #[track_caller]
    pub fn assert_linked_to(self, other_name: &str) -> Self {
        let targets = self.tree.spans_named(other_name);
        let ok = self.links().iter().any(|link| {
            let target = self.tree.find(&link.span_context);
            target.is_some_and(|t| targets.iter().any(|o| o.index == t.index))
        });
        self.check(ok, || {
            let wanted = format!("expected a link to `{other_name}`");
            if targets.is_empty() {
                return format!("{wanted}, but no span named `{other_name}` was captured");
            }
            let links = self.links().iter().map(|l| self.tree.link_target(l));
            format!(
                "{wanted}, found links to [{}]",
                links.collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// Asserts that the span is in the same trace as the one span named
    /// `other_name`.
    #[track_caller]
    pub fn assert_same_trace(self, other_name: &str) -> Self {
        let other = self.tree.unique(other_name);
        let trace_of = |s: SpanView<'_>| s.data().span_context.trace_id();
        let ok = other.as_ref().is_ok_and(|o| trace_of(*o) == trace_of(self));
        self.check(ok, || {
            let found = match &other {
                Ok(o) => format!(
                    "it is in trace {}, `{other_name}` in {}",
                    trace_of(self),
                    trace_of(*o)
                ),
                Err(msg) => msg.clone(),
            };
            format!("expected the same trace as `{other_name}`, but {found}")
        })
    }

    fn event_names(&self) -> String {
        let names: Vec<&str> = self.events().iter().map(|e| e.name.as_ref()).collect();
        names.join(", ")
    }

    fn parent_id(&self) -> String {
        match self.data().parent_span_id {
            SpanId::INVALID => "no parent span id".to_string(),
            id => format!("parent span id {id}, not captured"),
        }
    }

    /// Passes `self` through when `ok`; otherwise panics with `problem()`
    /// (computed only on failure) and the whole tree.
    #[track_caller]
    fn check(self, ok: bool, problem: impl FnOnce() -> String) -> Self {
        if !ok {
            panic!(
                "span `{}`: {}\n\n{}",
                self.name(),
                problem(),
                self.tree.rendered()
            );
        }
        self
    }
}

impl fmt::Debug for SpanView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sc = &self.data().span_context;
        f.debug_struct("SpanView")
            .field("name", &self.name())
            .field("trace_id", &sc.trace_id())
            .field("span_id", &sc.span_id())
            .finish()
    }
}

fn find_attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .rev()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn sorted(attributes: &[KeyValue]) -> Vec<&KeyValue> {
    let mut sorted: Vec<&KeyValue> = attributes.iter().collect();
    sorted.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    sorted
}

/// Trims line ends and blank edges, then removes the common indentation.
fn normalize(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let first = lines
        .iter()
        .position(|l| !l.is_empty())
        .unwrap_or(lines.len());
    let last = lines
        .iter()
        .rposition(|l| !l.is_empty())
        .map_or(first, |i| i + 1);
    let lines = &lines[first..last];
    let indent = |l: &str| l.len() - l.trim_start_matches([' ', '\t']).len();
    let common = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    let dedented: Vec<&str> = lines
        .iter()
        .map(|l| l.get(common..).unwrap_or(""))
        .collect();
    dedented.join("\n")
}

fn write_attr_list(f: &mut fmt::Formatter<'_>, attributes: &[KeyValue]) -> fmt::Result {
    if attributes.is_empty() {
        return Ok(());
    }
    write!(f, " {}", AttrList(attributes))
}

/// Renders a value so its type is visible: strings quoted, floats with a
/// decimal point, so `42`, `42.0` and `"42"` never look alike.
struct ShowValue<'a>(&'a Value);

impl fmt::Display for ShowValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::String(s) => write!(f, "{:?}", s.as_str()),
            Value::F64(v) => write!(f, "{v:?}"),
            other => write!(f, "{other}"),
        }
    }
}

/// `{k=v, ..}`, sorted by key.
struct AttrList<'a>(&'a [KeyValue]);

impl fmt::Display for AttrList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, kv) in sorted(self.0).into_iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{}={}", kv.key, ShowValue(&kv.value))?;
        }
        f.write_str("}")
    }
}

struct ShowStatus<'a>(&'a Status);

impl fmt::Display for ShowStatus<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Status::Unset => f.write_str("unset"),
            Status::Ok => f.write_str("ok"),
            Status::Error { description } => write!(f, "ERROR: {description}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use opentelemetry::Array;
    use opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};

    use super::*;
    use crate::semconv;
    use crate::span_forest::fixtures::{at, context, internal};
    use crate::testing::TestTracing;

    /// Captures, through the plain OpenTelemetry API: `request` (server) with
    /// children `db.query` (failed) and `cache.lookup`, then `background` in
    /// a trace of its own, linked to `db.query`.
    fn capture_sample() -> TraceTree {
        let tracing = TestTracing::install();
        let tracer = opentelemetry::global::tracer("tests");
        let request = tracer.span_builder("request").with_kind(SpanKind::Server);
        let query = tracer.in_span_with_builder(request, |cx| {
            cx.span().set_attribute(KeyValue::new("user_id", 42));
            let query = tracer.in_span("db.query", |cx| {
                let span = cx.span();
                span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, "timeout"));
                let exception = vec![
                    KeyValue::new(semconv::EXCEPTION_TYPE, "Timeout"),
                    KeyValue::new(semconv::EXCEPTION_MESSAGE, "timed out after 5s"),
                ];
                span.add_event(semconv::EXCEPTION_EVENT, exception);
                span.set_status(Status::error("timed out after 5s"));
                span.span_context().clone()
            });
            tracer.in_span("cache.lookup", |_| {});
            query
        });
        let links = vec![Link::with_context(query)];
        let mut background = tracer
            .span_builder("background")
            .with_links(links)
            .start(&tracer);
        background.end();
        tracing.tree()
    }

    fn panic_message(assertion: impl FnOnce()) -> String {
        let Err(payload) = catch_unwind(AssertUnwindSafe(assertion)) else {
            panic!("the assertion was expected to fail, but passed");
        };
        let text = payload.downcast_ref::<&str>().map(|s| s.to_string());
        payload
            .downcast_ref::<String>()
            .cloned()
            .or(text)
            .unwrap_or_default()
    }

    #[test]
    fn passing_assertions_chain_and_navigation_follows_the_tree() {
        let tree = capture_sample();
        tree.assert_shape(
            "
            request
              db.query
              cache.lookup
            background
            ",
        );
        let request = tree.span("request");
        request
            .assert_root()
            .assert_kind(SpanKind::Server)
            .assert_attr("user_id", 42)
            .assert_no_attr(semconv::ERROR_TYPE)
            .assert_status_unset()
            .assert_no_event(semconv::EXCEPTION_EVENT);
        let query = tree.span("db.query");
        query
            .assert_parent("request")
            .assert_kind(SpanKind::Internal)
            .assert_same_trace("request")
            .assert_attr(semconv::ERROR_TYPE, "timeout")
            .assert_no_attr(semconv::CANCELLED)
            .assert_status_error("timed out after 5s")
            .assert_event(semconv::EXCEPTION_EVENT)
            .assert_event_attr(semconv::EXCEPTION_EVENT, semconv::EXCEPTION_TYPE, "Timeout");
        tree.span("cache.lookup").assert_parent("request");
        tree.span("background")
            .assert_root()
            .assert_linked_to("db.query");

        let names = |spans: Vec<SpanView<'_>>| -> Vec<String> {
            spans.iter().map(|s| s.name().to_string()).collect()
        };
        assert_eq!((tree.len(), tree.is_empty()), (4, false));
        assert_eq!(names(tree.roots()), ["request", "background"]);
        assert_eq!(
            names(tree.iter().collect()),
            ["request", "db.query", "cache.lookup", "background"]
        );
        assert_eq!(names(request.children()), ["db.query", "cache.lookup"]);
        assert_eq!(names(tree.spans_named("db.query")), ["db.query"]);
        assert_eq!(query.parent().map(|p| p.name()), Some("request"));
        assert_eq!(request.attr("user_id"), Some(&Value::I64(42)));
        assert_eq!(
            query
                .event(semconv::EXCEPTION_EVENT)
                .map(|e| e.attributes.len()),
            Some(2)
        );
        assert_eq!(
            (query.events().len(), tree.span("background").links().len()),
            (1, 1)
        );
    }

    #[test]
    fn failed_assertions_name_the_span_and_show_the_tree() {
        type Assertion = for<'a> fn(&'a TraceTree) -> SpanView<'a>;
        let cases: [(Assertion, &str); 19] = [
            (
                |t| t.span("db.query").assert_parent("background"),
                "span `db.query`: expected parent `background`, but its parent is `request`",
            ),
            (
                |t| t.span("request").assert_parent("db.query"),
                "but it has no captured parent (no parent span id)",
            ),
            (
                |t| t.span("db.query").assert_root(),
                "expected a root span, but its parent is `request`",
            ),
            (
                |t| t.span("request").assert_kind(SpanKind::Client),
                "expected kind client, found server",
            ),
            (
                |t| t.span("request").assert_attr("user_id", 7),
                "expected attribute user_id=7, found user_id=42",
            ),
            (
                |t| t.span("request").assert_attr("user_id", "42"),
                "user_id=\"42\", found user_id=42",
            ),
            (
                |t| t.span("request").assert_attr("gone", true),
                "expected attribute gone=true, but it is not set",
            ),
            (
                |t| t.span("request").assert_no_attr("user_id"),
                "expected no attribute `user_id`, found user_id=42",
            ),
            (
                |t| t.span("db.query").assert_status_unset(),
                "expected status unset, found ERROR: timed out after 5s",
            ),
            (
                |t| t.span("request").assert_status_error("boom"),
                "expected status ERROR: boom, found unset",
            ),
            (
                |t| t.span("db.query").assert_event("retry"),
                "expected event `retry`, found events [exception]",
            ),
            (
                |t| {
                    t.span("db.query")
                        .assert_event_attr("exception", "exception.type", "Io")
                },
                "expected event `exception` with exception.type=\"Io\", found `exception` with \
                 {exception.message=\"timed out after 5s\", exception.type=\"Timeout\"}",
            ),
            (
                |t| t.span("request").assert_event_attr("retry", "n", 1),
                "found events []",
            ),
            (
                |t| t.span("db.query").assert_no_event("exception"),
                "expected no event `exception`, found",
            ),
            (
                |t| t.span("background").assert_linked_to("request"),
                "expected a link to `request`, found links to [db.query]",
            ),
            (
                |t| t.span("background").assert_linked_to("nope"),
                "no span named `nope` was captured",
            ),
            (
                |t| t.span("background").assert_same_trace("request"),
                "span `background`: expected the same trace as `request`, but it is in trace",
            ),
            (
                |t| t.span("background").assert_same_trace("nope"),
                "exactly one span named `nope`, found 0",
            ),
            (
                |t| t.span("nope"),
                "expected exactly one span named `nope`, found 0",
            ),
        ];
        let tree = capture_sample();
        for (assertion, expected) in cases {
            let message = panic_message(|| {
                assertion(&tree);
            });
            assert!(
                message.contains(expected),
                "missing {expected:?} in:\n{message}"
            );
            for line in [
                "\n\ncaptured spans:\nrequest [server] user_id=42\n",
                "\n  db.query [internal] ERROR: timed out after 5s error.type=\"timeout\"\n",
                "\n  cache.lookup [internal]\n",
                "\nbackground [internal]\n    ↪ link to db.query\n",
            ] {
                assert!(message.contains(line), "missing {line:?} in:\n{message}");
            }
        }
    }

    #[test]
    fn display_renders_kind_status_attributes_events_and_links() {
        let mut request = internal(1, 1, 0, "request", 0);
        request.span_kind = SpanKind::Server;
        request.status = Status::Ok;
        request.attributes = vec![
            KeyValue::new("user_id", 42),
            KeyValue::new("route", "/users"),
            KeyValue::new("ratio", 1.0),
            KeyValue::new("cached", false),
        ];
        let mut query = internal(1, 2, 1, "db.query", 10);
        query.span_kind = SpanKind::Client;
        query.status = Status::error("timeout");
        query.attributes = vec![KeyValue::new(semconv::ERROR_TYPE, "io")];
        let exception = vec![
            KeyValue::new(semconv::EXCEPTION_TYPE, "Io"),
            KeyValue::new(semconv::EXCEPTION_MESSAGE, "timed out"),
        ];
        query.events.events = vec![
            Event::new(semconv::EXCEPTION_EVENT, at(20), exception, 0),
            Event::new("retry", at(30), Vec::new(), 0),
        ];
        let mut lookup = internal(1, 3, 1, "cache.lookup", 40);
        let tags = Value::Array(Array::String(vec!["a".into(), "b".into()]));
        lookup.attributes = vec![KeyValue::new("tags", tags)];
        let mut background = internal(2, 4, 0, "background", 50);
        background.span_kind = SpanKind::Consumer;
        background.links.links = vec![
            Link::new(context(1, 2), vec![KeyValue::new("reason", "retry")], 0),
            Link::with_context(context(9, 9)),
        ];
        // Out of start order, as an exporter delivers them (by end time).
        let tree = TraceTree::from_spans(vec![background, lookup, query, request]);

        let expected = r#"
request [server] ok cached=false ratio=1.0 route="/users" user_id=42
  db.query [client] ERROR: timeout error.type="io"
      • exception {exception.message="timed out", exception.type="Io"}
      • retry
  cache.lookup [internal] tags=["a","b"]
background [consumer]
    ↪ link to db.query {reason="retry"}
    ↪ link to trace 00000000000000000000000000000009 span 0000000000000009
"#;
        assert_eq!(tree.to_string(), expected.trim_start());
        assert_eq!(
            tree.shape(),
            "request\n  db.query\n  cache.lookup\nbackground\n"
        );
        assert_eq!(
            TraceTree::from_spans(Vec::new()).to_string(),
            "(no spans captured)\n"
        );
    }

    #[test]
    fn parents_are_matched_within_their_own_trace() {
        // Both traces reuse span ids 1 and 2; a cycle and an orphan must
        // still show up as roots rather than vanish.
        let tree = TraceTree::from_spans(vec![
            internal(1, 1, 0, "a.root", 0),
            internal(2, 1, 0, "b.root", 10),
            internal(2, 2, 1, "b.child", 20),
            internal(1, 2, 1, "a.child", 30),
            internal(3, 5, 5, "looped", 40),
            internal(1, 3, 99, "orphan", 50),
        ]);
        tree.assert_shape(
            "
            a.root
              a.child
            b.root
              b.child
            looped
            orphan
            ",
        );
        tree.span("a.child")
            .assert_parent("a.root")
            .assert_same_trace("a.root");
        tree.span("b.child")
            .assert_parent("b.root")
            .assert_same_trace("b.root");
        let orphan = tree.span("orphan");
        assert!(orphan.parent().is_none());
        let message = panic_message(|| {
            orphan.assert_root();
        });
        assert!(message.contains("but it has parent span id 0000000000000063, not captured"));
    }

    #[test]
    fn assert_shape_ignores_indentation_and_blank_edges() {
        let tree = capture_sample();
        // Trailing spaces, blank edges and a deep common indent are ignored.
        tree.assert_shape(
            "

                    request   
                      db.query
                      cache.lookup
                    background

            ",
        );
        let message = panic_message(|| tree.assert_shape("request\n  cache.lookup"));
        assert!(
            message
                .contains("expected:\nrequest\n  cache.lookup\n\nactual:\nrequest\n  db.query\n")
        );
        assert!(message.contains("captured spans:\nrequest [server] user_id=42\n"));
    }
}
