//! [`TerminalExporter`]: buffers finished spans per trace and prints each
//! trace with the renderer when its local root ends, within fixed memory
//! bounds.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::render::{RenderOptions, render};

/// Most spans buffered across all unfinished traces.
const MAX_BUFFERED_SPANS: usize = 10_000;
/// Most unfinished traces buffered at once.
const MAX_PENDING_TRACES: usize = 1_000;

/// A [`SpanExporter`] that prints each trace as a tree when its local root
/// ends.
///
/// Spans are buffered per trace until a span without a local parent ends;
/// then the trace is rendered with [`render_trace`](super::render_trace) and written, followed by
/// a blank line. The [module documentation](super) explains when late spans
/// are printed and the buffer's limits. Write errors are ignored: a closed
/// stderr never fails an export.
///
/// `force_flush` flushes the writer but keeps unfinished traces buffered, so
/// a flush never splits a trace in two; `shutdown` prints them, marked
/// `(incomplete)`.
///
/// ```
/// use opentelemetry::trace::{Tracer as _, TracerProvider as _};
/// use opentelemetry_sdk::trace::SdkTracerProvider;
/// use tracewire::export::terminal::TerminalExporter;
///
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(TerminalExporter::stderr())
///     .build();
/// let tracer = provider.tracer("example");
/// tracer.in_span("request", |_| tracer.in_span("db.query", |_| {}));
/// provider.shutdown().unwrap(); // the tree was printed when "request" ended
/// ```
#[derive(Debug)]
pub struct TerminalExporter {
    options: RenderOptions,
    pending: Mutex<PendingTraces>,
    output: Mutex<Output>,
    is_shutdown: AtomicBool,
}

impl TerminalExporter {
    /// An exporter printing to stderr with [`RenderOptions::for_stderr`].
    #[must_use]
    pub fn stderr() -> Self {
        Self::with_writer(io::stderr(), RenderOptions::for_stderr())
    }

    /// An exporter printing to `writer` with the given options.
    ///
    /// ```
    /// use tracewire::export::terminal::{RenderOptions, TerminalExporter};
    ///
    /// let exporter = TerminalExporter::with_writer(std::io::stdout(), RenderOptions::plain(120));
    /// # drop(exporter);
    /// ```
    #[must_use]
    pub fn with_writer(writer: impl Write + Send + 'static, options: RenderOptions) -> Self {
        TerminalExporter {
            options,
            pending: Mutex::new(PendingTraces::default()),
            output: Mutex::new(Output(Box::new(writer))),
            is_shutdown: AtomicBool::new(false),
        }
    }

    /// Files the spans and prints the traces they complete or evict.
    fn accept(&self, batch: Vec<SpanData>) {
        let mut ready = Vec::new();
        {
            let mut pending = lock(&self.pending);
            for span in batch {
                pending.accept(span, &mut ready);
            }
        }
        self.print(&ready);
    }

    fn print(&self, ready: &[ReadyTrace]) {
        if ready.is_empty() {
            return;
        }
        let mut text = String::new();
        for trace in ready {
            text.push_str(&render(&trace.spans, &self.options, trace.incomplete));
            text.push('\n');
        }
        let mut output = lock(&self.output);
        // A broken or closed stderr must not fail the export or the app.
        let _ = output.0.write_all(text.as_bytes());
        let _ = output.0.flush();
    }

    /// (buffered spans, pending traces), for the limit tests.
    #[cfg(test)]
    fn pending_counts(&self) -> (usize, usize) {
        let pending = lock(&self.pending);
        (pending.span_count, pending.traces.len())
    }
}

impl SpanExporter for TerminalExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let result = if self.is_shutdown.load(Ordering::Acquire) {
            Err(OTelSdkError::AlreadyShutdown)
        } else {
            self.accept(batch);
            Ok(())
        };
        std::future::ready(result)
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        if self.is_shutdown.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let ready = lock(&self.pending).drain();
        self.print(&ready);
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        let _ = lock(&self.output).0.flush();
        Ok(())
    }
}

/// The exporter's writer; a newtype so the exporter can derive `Debug`.
struct Output(Box<dyn Write + Send>);

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Output(dyn Write)")
    }
}

/// Locks without panicking: a panic elsewhere while holding the lock leaves
/// the buffer consistent enough to keep printing.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A trace taken out of the buffer, to be printed.
struct ReadyTrace {
    spans: Vec<SpanData>,
    incomplete: bool,
}

/// Spans of traces whose local root hasn't ended yet.
#[derive(Default)]
struct PendingTraces {
    traces: HashMap<TraceId, PendingTrace>,
    /// Trace ids by arrival of their first buffered span, oldest first.
    by_age: BTreeMap<u64, TraceId>,
    next_age: u64,
    span_count: usize,
}

// Up to 10 000 spans: `Debug` summarises rather than dumping them.
impl fmt::Debug for PendingTraces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingTraces")
            .field("traces", &self.traces.len())
            .field("spans", &self.span_count)
            .finish_non_exhaustive()
    }
}

struct PendingTrace {
    age: u64,
    spans: Vec<SpanData>,
}

impl PendingTraces {
    fn accept(&mut self, span: SpanData, ready: &mut Vec<ReadyTrace>) {
        let trace_id = span.span_context.trace_id();
        if is_local_root(&span) {
            let mut spans = self.take(trace_id).unwrap_or_default();
            spans.push(span);
            ready.push(ReadyTrace {
                spans,
                incomplete: false,
            });
            return;
        }
        match self.traces.entry(trace_id) {
            Entry::Occupied(entry) => entry.into_mut().spans.push(span),
            Entry::Vacant(entry) => {
                let age = self.next_age;
                self.next_age += 1;
                self.by_age.insert(age, trace_id);
                entry.insert(PendingTrace {
                    age,
                    spans: vec![span],
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
                ready.push(ReadyTrace {
                    spans: trace.spans,
                    incomplete: true,
                });
            }
        }
    }

    fn take(&mut self, trace_id: TraceId) -> Option<Vec<SpanData>> {
        let trace = self.traces.remove(&trace_id)?;
        self.by_age.remove(&trace.age);
        self.span_count -= trace.spans.len();
        Some(trace.spans)
    }

    /// Every pending trace, oldest first, marked incomplete.
    fn drain(&mut self) -> Vec<ReadyTrace> {
        let mut ready = Vec::with_capacity(self.traces.len());
        while let Some((_, trace_id)) = self.by_age.pop_first() {
            if let Some(trace) = self.traces.remove(&trace_id) {
                ready.push(ReadyTrace {
                    spans: trace.spans,
                    incomplete: true,
                });
            }
        }
        self.span_count = 0;
        ready
    }
}

/// The span that closes this process's part of a trace: no parent, or a
/// parent in another process.
fn is_local_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Poll, Waker};

    use opentelemetry::trace::{SpanKind, Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::trace::SdkTracerProvider;

    use super::super::test_trace::{KNOWN_AT_100, TRACE, drawn_names, known_trace};
    use crate::span_forest::fixtures::span;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
    }

    fn capturing() -> (TerminalExporter, Captured) {
        let captured = Captured::default();
        let exporter = TerminalExporter::with_writer(captured.clone(), RenderOptions::plain(100));
        (exporter, captured)
    }

    fn headers(text: &str) -> Vec<&str> {
        text.lines().filter(|l| l.starts_with("trace ")).collect()
    }

    #[test]
    fn prints_a_trace_once_when_its_root_arrives() {
        let (exporter, captured) = capturing();
        let mut spans = known_trace();
        let root = spans.remove(2);
        for child in spans {
            block_on(exporter.export(vec![child])).unwrap();
            assert_eq!(captured.text(), "", "nothing before the root ends");
        }
        block_on(exporter.export(vec![root])).unwrap();
        assert_eq!(captured.text(), format!("{KNOWN_AT_100}\n"));
        assert_eq!(exporter.pending_counts(), (0, 0));

        exporter.shutdown().unwrap();
        assert_eq!(headers(&captured.text()).len(), 1);
    }

    #[test]
    fn interleaved_traces_print_separately() {
        let (exporter, captured) = capturing();
        let (a, b) = (0xaaaa_u128 << 112, 0xbbbb_u128 << 112);
        let batch = vec![
            span(a, 2, 1, "a.child", SpanKind::Internal, (1, 2)),
            span(b, 12, 11, "b.child", SpanKind::Internal, (1, 3)),
            span(a, 3, 1, "a.other", SpanKind::Internal, (2, 4)),
            span(b, 11, 0, "b.root", SpanKind::Internal, (0, 5)),
        ];
        block_on(exporter.export(batch)).unwrap();
        block_on(exporter.export(vec![span(a, 1, 0, "a.root", SpanKind::Internal, (0, 6))]))
            .unwrap();

        let text = captured.text();
        let traces: Vec<&str> = text.split("\n\n").filter(|t| !t.is_empty()).collect();
        assert_eq!(traces.len(), 2, "\n{text}");
        assert!(
            traces[0].starts_with("trace bbbb0000… · 2 spans"),
            "\n{text}"
        );
        assert!(traces[0].contains("└─ b.child") && !traces[0].contains("a."));
        assert!(
            traces[1].starts_with("trace aaaa0000… · 3 spans"),
            "\n{text}"
        );
        assert!(traces[1].contains("├─ a.child") && traces[1].contains("└─ a.other"));
        assert!(!text.contains("(incomplete)"));
    }

    #[test]
    fn a_remote_parent_makes_a_local_root() {
        let (exporter, captured) = capturing();
        let mut server = span(TRACE, 2, 1, "room.join", SpanKind::Server, (0, 3));
        server.parent_span_is_remote = true;
        block_on(exporter.export(vec![server])).unwrap();
        assert!(
            captured
                .text()
                .starts_with("trace 4bf92f35… · 1 span · 3.00ms\n")
        );
    }

    #[test]
    fn late_spans_print_with_the_next_root_of_their_trace() {
        let (exporter, captured) = capturing();
        block_on(exporter.export(vec![span(TRACE, 1, 0, "request", SpanKind::Server, (0, 5))]))
            .unwrap();
        block_on(exporter.export(vec![span(
            TRACE,
            2,
            1,
            "detached",
            SpanKind::Internal,
            (1, 9),
        )]))
        .unwrap();
        assert_eq!(headers(&captured.text()).len(), 1);
        assert_eq!(exporter.pending_counts(), (1, 1));
        block_on(exporter.export(vec![span(TRACE, 3, 0, "next", SpanKind::Server, (10, 12))]))
            .unwrap();
        let text = captured.text();
        assert_eq!(headers(&text).len(), 2, "\n{text}");
        assert!(
            text.contains("\ndetached") && text.contains("\nnext"),
            "\n{text}"
        );
    }

    #[test]
    fn shutdown_prints_pending_traces_as_incomplete() {
        let (exporter, captured) = capturing();
        block_on(exporter.export(vec![span(
            TRACE,
            2,
            1,
            "orphan",
            SpanKind::Internal,
            (0, 4),
        )]))
        .unwrap();
        assert_eq!(captured.text(), "");
        exporter.shutdown().unwrap();
        let text = captured.text();
        assert!(
            text.starts_with("trace 4bf92f35… · 1 span · 4.00ms · (incomplete)\norphan"),
            "\n{text}"
        );
        assert_eq!(exporter.pending_counts(), (0, 0));
        assert!(matches!(
            block_on(exporter.export(Vec::new())),
            Err(OTelSdkError::AlreadyShutdown)
        ));
        exporter.shutdown().unwrap();
        assert_eq!(captured.text(), text, "a second shutdown prints nothing");
    }

    #[test]
    fn pending_traces_are_bounded() {
        let (exporter, captured) = capturing();
        let total = 10_050;
        for i in 0..total {
            let trace = (i as u128 + 1) << 64;
            let child = span(trace, 2, 1, "unfinished", SpanKind::Internal, (0, 1));
            block_on(exporter.export(vec![child])).unwrap();
            let (spans, traces) = exporter.pending_counts();
            assert!(spans <= MAX_BUFFERED_SPANS && traces <= MAX_PENDING_TRACES);
        }
        assert_eq!(exporter.pending_counts(), (1_000, 1_000));
        let text = captured.text();
        let evicted = headers(&text);
        assert_eq!(evicted.len(), total - MAX_PENDING_TRACES);
        assert!(evicted.iter().all(|h| h.ends_with("(incomplete)")));
        // Oldest first.
        assert!(evicted[0].starts_with("trace 00000000…"), "{}", evicted[0]);
    }

    #[test]
    fn buffered_spans_are_bounded() {
        let (exporter, captured) = capturing();
        for i in 0..10_050_u64 {
            let trace = (u128::from(i % 10) + 1) << 124;
            let child = span(trace, i + 2, 1, "unfinished", SpanKind::Internal, (0, 1));
            block_on(exporter.export(vec![child])).unwrap();
            let (spans, traces) = exporter.pending_counts();
            assert!(spans <= MAX_BUFFERED_SPANS && traces <= MAX_PENDING_TRACES);
        }
        let text = captured.text();
        let evicted = headers(&text);
        assert_eq!(evicted.len(), 1, "the oldest trace was printed");
        assert!(
            evicted[0].starts_with("trace 10000000… · 1001 spans"),
            "{}",
            evicted[0]
        );
        assert!(evicted[0].ends_with("(incomplete)"));
        // Trace 1 started buffering again after its eviction.
        assert_eq!(exporter.pending_counts(), (10_050 - 1_001, 10));
    }

    #[test]
    fn write_errors_are_ignored() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
            }
        }
        let exporter = TerminalExporter::with_writer(Broken, RenderOptions::plain(80));
        block_on(exporter.export(known_trace())).unwrap();
        block_on(exporter.export(vec![span(TRACE, 9, 8, "x", SpanKind::Internal, (0, 1))]))
            .unwrap();
        exporter.force_flush().unwrap();
        exporter.shutdown().unwrap();
    }

    #[test]
    fn works_behind_the_sdk_provider() {
        let captured = Captured::default();
        let exporter = TerminalExporter::with_writer(captured.clone(), RenderOptions::plain(80));
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter)
            .build();
        let tracer = provider.tracer("terminal-test");
        tracer.in_span("request", |_| {
            tracer.in_span("db.query", |_| {});
            tracer.in_span("render", |_| {});
        });
        let text = captured.text();
        assert_eq!(headers(&text).len(), 1, "\n{text}");
        assert_eq!(
            drawn_names(&text),
            ["request", "├─ db.query", "└─ render", ""],
            "\n{text}"
        );
        provider.shutdown().unwrap();
    }
}
