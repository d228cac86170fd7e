//! [`TerminalExporter`]: files finished spans by trace, prints each trace
//! with the renderer once it is ready, and paces what it prints: above a
//! rate, a periodic summary instead of every tree.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::Thread;
use std::time::{Duration, SystemTime};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::buffer::{ReadyTrace, TraceBuffer};
use super::render::{RenderOptions, render};
use super::summary::{DEFAULT_MAX_PER_SECOND, DEFAULT_SUMMARY_PERIOD, Pacer};

/// How long a trace is held after its local root ends, for the spans of
/// work it did not wait for.
const DEFAULT_GRACE_PERIOD: Duration = Duration::from_millis(500);
/// How often held traces and the summary period are checked.
const TICK: Duration = Duration::from_millis(100);

/// A [`SpanExporter`] that prints each trace as a tree, and a periodic
/// summary instead when traces come too fast to read.
///
/// Spans are buffered per trace. A trace is printed a grace period after a
/// span without a local parent (its local root) ends, with every span of the
/// trace that ended by then: work the root spawned and did not wait for is
/// drawn inside its tree. The [module documentation](super) explains the
/// rate above which summaries replace trees, and the buffer's limits.
/// Write errors are ignored: a closed stderr never fails an export.
///
/// | setting | default | method | variable (for [`init`](crate::init)) |
/// | --- | --- | --- | --- |
/// | traces a second printed in full | 20 | [`max_traces_per_second`](Self::max_traces_per_second) | `TRACEWIRE_TERMINAL_RATE` |
/// | summary period | 5 s | [`summary_period`](Self::summary_period) | `TRACEWIRE_TERMINAL_SUMMARY_PERIOD` (ms) |
/// | grace period | 500 ms | [`grace_period`](Self::grace_period) | `TRACEWIRE_TERMINAL_GRACE_PERIOD` (ms) |
///
/// A thread of its own (`tracewire-terminal`, started by the first export)
/// prints traces whose grace period is over and the summaries when no new
/// spans arrive. `force_flush` prints every trace whose root has ended
/// without waiting for its grace period, and keeps the others buffered, so
/// a flush never splits a trace in two; `shutdown` prints them all, marking
/// those whose root never ended `(incomplete)`, and the summary of the
/// period so far.
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
/// provider.shutdown().unwrap(); // the tree is printed by now
/// ```
#[derive(Debug)]
pub struct TerminalExporter {
    shared: Arc<Shared>,
    /// The ticking thread, once started.
    ticker: Mutex<Option<Thread>>,
}

/// What the exporter and its ticking thread share.
#[derive(Debug)]
struct Shared {
    options: RenderOptions,
    state: Mutex<State>,
    output: Mutex<Output>,
    is_shutdown: AtomicBool,
    clock: Clock,
}

#[derive(Debug)]
struct State {
    buffer: TraceBuffer,
    pacer: Pacer,
}

/// Where "now" comes from: the system, or a test's hand.
#[derive(Debug)]
enum Clock {
    System,
    #[cfg(test)]
    Manual(Mutex<SystemTime>),
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
        Self::with_clock(writer, options, Clock::System)
    }

    fn with_clock(
        writer: impl Write + Send + 'static,
        options: RenderOptions,
        clock: Clock,
    ) -> Self {
        TerminalExporter {
            shared: Arc::new(Shared {
                options,
                state: Mutex::new(State {
                    buffer: TraceBuffer::new(DEFAULT_GRACE_PERIOD),
                    pacer: Pacer::new(DEFAULT_MAX_PER_SECOND, DEFAULT_SUMMARY_PERIOD),
                }),
                output: Mutex::new(Output(Box::new(writer))),
                is_shutdown: AtomicBool::new(false),
                clock,
            }),
            ticker: Mutex::new(None),
        }
    }

    /// Above this many traces in one second, print a summary every
    /// [`summary_period`](Self::summary_period) instead of every tree (with
    /// every trace that has an error, and a sample of the rest). 20 unless
    /// set; 0 prints every trace, however many.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tracewire::export::terminal::TerminalExporter;
    ///
    /// let exporter = TerminalExporter::stderr()
    ///     .max_traces_per_second(50)
    ///     .summary_period(Duration::from_secs(10))
    ///     .grace_period(Duration::from_secs(1));
    /// # drop(exporter);
    /// ```
    #[must_use]
    pub fn max_traces_per_second(self, traces: u32) -> Self {
        self.shared.state().pacer.max_per_second = traces;
        self
    }

    /// How often a summary is printed while traces come faster than
    /// [`max_traces_per_second`](Self::max_traces_per_second): 5 s unless
    /// set (at least 1 ms).
    #[must_use]
    pub fn summary_period(self, period: Duration) -> Self {
        self.shared.state().pacer.period = period.max(Duration::from_millis(1));
        self
    }

    /// How long a trace is held after its local root ends, so that spans
    /// ending a little later (work it spawned and did not wait for) are
    /// drawn inside its tree: 500 ms unless set. Zero prints a trace as
    /// soon as its root ends.
    #[must_use]
    pub fn grace_period(self, grace: Duration) -> Self {
        self.shared.state().buffer.grace = grace;
        self
    }

    /// Starts the ticking thread unless it runs, or time is a test's.
    fn start_ticker(&self) {
        if !matches!(self.shared.clock, Clock::System) {
            return;
        }
        let mut ticker = lock(&self.ticker);
        if ticker.is_some() {
            return;
        }
        let shared: Weak<Shared> = Arc::downgrade(&self.shared);
        let spawned = std::thread::Builder::new()
            .name("tracewire-terminal".into())
            .spawn(move || {
                loop {
                    std::thread::park_timeout(TICK);
                    // The exporter is gone, or shut down: nothing to print.
                    let Some(shared) = shared.upgrade() else {
                        return;
                    };
                    if shared.is_shutdown.load(Ordering::Acquire) {
                        return;
                    }
                    shared.tick();
                }
            });
        // Without the thread, traces still print on the next export and at
        // shutdown.
        *ticker = spawned.ok().map(|handle| handle.thread().clone());
    }

    /// (buffered spans, buffered traces), for the limit tests.
    #[cfg(test)]
    fn pending_counts(&self) -> (usize, usize) {
        self.shared.state().buffer.counts()
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn now(&self) -> SystemTime {
        match &self.clock {
            Clock::System => SystemTime::now(),
            #[cfg(test)]
            Clock::Manual(now) => *lock(now),
        }
    }

    /// Files the spans and prints the traces they make ready or evict.
    fn accept(&self, batch: Vec<SpanData>) {
        let now = self.now();
        let mut ready = Vec::new();
        let mut text = String::new();
        {
            let mut state = self.state();
            for span in batch {
                state.buffer.accept(span, now, &mut ready);
            }
            self.pace(&mut state, ready, now, &mut text);
        }
        self.write(&text);
    }

    /// Prints the traces whose grace period is over, and a summary whose
    /// period is.
    fn tick(&self) {
        let now = self.now();
        let mut ready = Vec::new();
        let mut text = String::new();
        {
            let mut state = self.state();
            // Shutdown has printed everything, under this lock.
            if self.is_shutdown.load(Ordering::Acquire) {
                return;
            }
            state.buffer.release_due(now, &mut ready);
            self.pace(&mut state, ready, now, &mut text);
        }
        self.write(&text);
    }

    /// Renders the ready traces the pacer lets through, and a summary
    /// whose period has ended.
    fn pace(&self, state: &mut State, ready: Vec<ReadyTrace>, now: SystemTime, text: &mut String) {
        for trace in ready {
            let verdict = state.pacer.admit(&trace.spans, now, &self.options);
            if let Some(notice) = verdict.notice {
                text.push_str(&notice);
            }
            if verdict.print {
                text.push_str(&render(&trace.spans, &self.options, trace.incomplete));
                text.push('\n');
            }
        }
        if let Some(summary) = state.pacer.tick(now, &self.options) {
            text.push_str(&summary);
        }
    }

    fn write(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut output = lock(&self.output);
        // A broken or closed stderr must not fail the export or the app.
        let _ = output.0.write_all(text.as_bytes());
        let _ = output.0.flush();
    }
}

impl SpanExporter for TerminalExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let result = if self.shared.is_shutdown.load(Ordering::Acquire) {
            Err(OTelSdkError::AlreadyShutdown)
        } else {
            self.start_ticker();
            self.shared.accept(batch);
            Ok(())
        };
        std::future::ready(result)
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        let shared = &self.shared;
        let mut text = String::new();
        {
            let mut state = shared.state();
            if shared.is_shutdown.swap(true, Ordering::AcqRel) {
                return Ok(());
            }
            let now = shared.now();
            let ready = state.buffer.drain();
            shared.pace(&mut state, ready, now, &mut text);
            if let Some(summary) = state.pacer.finish(now, &shared.options) {
                text.push_str(&summary);
            }
        }
        shared.write(&text);
        if let Some(ticker) = lock(&self.ticker).take() {
            ticker.unpark();
        }
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        let shared = &self.shared;
        let mut text = String::new();
        {
            let mut state = shared.state();
            if !shared.is_shutdown.load(Ordering::Acquire) {
                let mut ready = Vec::new();
                state.buffer.release_finished(&mut ready);
                shared.pace(&mut state, ready, shared.now(), &mut text);
            }
        }
        shared.write(&text);
        let _ = lock(&shared.output).0.flush();
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

#[cfg(test)]
mod tests {
    use super::*;

    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    use opentelemetry::trace::{SpanKind, Status, Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::trace::SdkTracerProvider;

    use super::super::buffer::{MAX_BUFFERED_SPANS, MAX_PENDING_TRACES};
    use super::super::test_trace::{Captured, KNOWN_AT_100, TRACE, drawn_names, known_trace};
    use crate::span_forest::fixtures::span;

    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return output;
            }
        }
    }

    /// When the tests' clock starts: any time will do.
    const START: SystemTime = SystemTime::UNIX_EPOCH;

    /// An exporter whose clock only moves when the test says, writing to a
    /// buffer the test reads.
    fn capturing() -> (TerminalExporter, Captured) {
        let captured = Captured::default();
        let exporter = TerminalExporter::with_clock(
            captured.clone(),
            RenderOptions::plain(100),
            Clock::Manual(Mutex::new(START)),
        );
        (exporter, captured)
    }

    /// Moves the exporter's clock on by `by`, and lets it act on the time.
    fn advance(exporter: &TerminalExporter, by: Duration) {
        let Clock::Manual(now) = &exporter.shared.clock else {
            unreachable!("the tests' exporters have a manual clock")
        };
        *lock(now) += by;
        exporter.shared.tick();
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
        advance(&exporter, DEFAULT_GRACE_PERIOD - Duration::from_millis(1));
        assert_eq!(captured.text(), "", "nothing within the grace period");
        advance(&exporter, Duration::from_millis(1));
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
        // Trees print in the order their roots ended.
        advance(&exporter, Duration::from_millis(1));
        block_on(exporter.export(vec![span(a, 1, 0, "a.root", SpanKind::Internal, (0, 6))]))
            .unwrap();
        advance(&exporter, DEFAULT_GRACE_PERIOD);

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
        advance(&exporter, DEFAULT_GRACE_PERIOD);
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
        // Later than the grace period: the tree has been printed without it.
        advance(&exporter, DEFAULT_GRACE_PERIOD);
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
        advance(&exporter, DEFAULT_GRACE_PERIOD);
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
        // Every evicted trace printed, however many a second.
        let exporter = exporter.max_traces_per_second(0);
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
        // Printed as the root ends: the simple processor's flush does not
        // reach the exporter.
        let exporter = TerminalExporter::with_writer(captured.clone(), RenderOptions::plain(80))
            .grace_period(Duration::ZERO);
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

    #[test]
    fn a_span_ending_after_its_root_is_drawn_inside_the_tree() {
        let (exporter, captured) = capturing();
        let request = span(TRACE, 1, 0, "request", SpanKind::Server, (0, 5));
        block_on(exporter.export(vec![request])).unwrap();
        // A task the request spawned and did not wait for ends 4 ms after
        // it, and reaches the exporter in a later batch.
        advance(&exporter, Duration::from_millis(100));
        let detached = span(TRACE, 2, 1, "notify", SpanKind::Internal, (1, 9));
        block_on(exporter.export(vec![detached])).unwrap();
        assert_eq!(captured.text(), "", "held for the grace period");
        advance(&exporter, DEFAULT_GRACE_PERIOD);
        assert_eq!(
            captured.text(),
            "\
trace 4bf92f35… · 2 spans · 9.00ms
request [server]  5.00ms  ██████████████
└─ notify         8.00ms    ▐██████████████████████

"
        );
        // Printed once: nothing is left for shutdown.
        assert_eq!(exporter.pending_counts(), (0, 0));
        exporter.shutdown().unwrap();
        assert_eq!(headers(&captured.text()).len(), 1);
        assert!(!captured.text().contains("(incomplete)"));
    }

    #[test]
    fn a_grace_period_of_zero_prints_at_the_root() {
        let (exporter, captured) = capturing();
        let exporter = exporter.grace_period(Duration::ZERO);
        block_on(exporter.export(vec![span(TRACE, 1, 0, "request", SpanKind::Server, (0, 5))]))
            .unwrap();
        assert_eq!(headers(&captured.text()).len(), 1);
    }

    /// Traces the summaries in `text` say they left out.
    fn left_out(text: &str) -> u64 {
        text.lines()
            .filter(|line| line.starts_with("── summary"))
            .map(|line| {
                let before = line.split(" left out (").next().unwrap();
                before.rsplit(' ').next().unwrap().parse::<u64>().unwrap()
            })
            .sum()
    }

    /// A one-span trace `n`, ended at `START` (trace ids 1, 2, ...).
    fn one_span(n: u64, name: &'static str, ms: u64, error: bool) -> SpanData {
        let mut span = span(u128::from(n) << 64, n, 0, name, SpanKind::Server, (0, ms));
        if error {
            span.status = Status::error("boom");
        }
        span
    }

    #[test]
    fn above_the_rate_a_summary_replaces_the_trees() {
        let (exporter, captured) = capturing();
        let exporter = exporter
            .max_traces_per_second(2)
            .summary_period(Duration::from_secs(5))
            .grace_period(Duration::ZERO);
        let mut n = 0;
        let mut next = |name, ms, error| {
            n += 1;
            vec![one_span(n, name, ms, error)]
        };
        // Two a second print as trees.
        block_on(exporter.export(next("room.join", 2, false))).unwrap();
        block_on(exporter.export(next("room.join", 2, false))).unwrap();
        // The third within the second: summaries from now on. It is the
        // period's sample of room.join, so it still prints.
        block_on(exporter.export(next("room.join", 4, false))).unwrap();
        // Left out: the period already has its room.join.
        for ms in [1, 3, 5, 7, 9, 11] {
            block_on(exporter.export(next("room.join", ms, false))).unwrap();
        }
        // A trace with an error always prints.
        block_on(exporter.export(next("room.handle_in message:new", 30, true))).unwrap();
        // The first of its name this period: the sample.
        block_on(exporter.export(next("room.leave", 6, false))).unwrap();
        block_on(exporter.export(next("room.leave", 8, false))).unwrap();
        advance(&exporter, Duration::from_secs(5));
        assert_eq!(
            captured.text(),
            "\
trace 00000000… · 1 span · 2.00ms
room.join [server]  2.00ms  █████████████████████████

trace 00000000… · 1 span · 2.00ms
room.join [server]  2.00ms  █████████████████████████

── more than 2 traces a second: a summary every 5.00s, with every trace that has an error and a sam…

trace 00000000… · 1 span · 4.00ms
room.join [server]  4.00ms  █████████████████████████

trace 00000000… · 1 span · 30.0ms
room.handle_in message:new [server]  30.0ms  █████████████████████████  ✗ boom

trace 00000000… · 1 span · 6.00ms
room.leave [server]  6.00ms  █████████████████████████

── summary of 5.00s · 10 traces (2/s) · 1 with errors · 7 left out (7 spans) ──
span                        count      p50      p99  errors
room.join                       7   5.00ms   11.0ms       0
room.leave                      2   6.00ms   8.00ms       0
room.handle_in message:new      1   30.0ms   30.0ms       1

── at most 2 traces a second again: printing every trace ──

"
        );
        // Every trace is accounted for: printed, or left out and counted.
        let text = captured.text();
        assert_eq!(headers(&text).len() as u64 + left_out(&text), n);

        // Back below the rate, every trace prints again.
        block_on(exporter.export(vec![one_span(99, "room.join", 1, false)])).unwrap();
        assert_eq!(headers(&captured.text()).len(), 6);
    }

    #[test]
    fn a_busy_period_is_followed_by_another_and_shutdown_prints_the_last() {
        let (exporter, captured) = capturing();
        let exporter = exporter
            .max_traces_per_second(1)
            .summary_period(Duration::from_secs(1))
            .grace_period(Duration::ZERO);
        for n in 1..=5 {
            block_on(exporter.export(vec![one_span(n, "tick", 1, false)])).unwrap();
        }
        advance(&exporter, Duration::from_secs(1));
        for n in 6..=8 {
            block_on(exporter.export(vec![one_span(n, "tick", 1, false)])).unwrap();
        }
        exporter.shutdown().unwrap();
        let text = captured.text();
        let summaries: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("── summary"))
            .collect();
        assert_eq!(
            summaries,
            [
                "── summary of 1.00s · 4 traces (4/s) · 0 with errors · 3 left out (3 spans) ──",
                "── summary of 0ns · 3 traces · 0 with errors · 2 left out (2 spans) ──",
            ],
            "\n{text}"
        );
        assert!(!text.contains("again"), "\n{text}");
    }

    #[test]
    fn under_load_every_span_is_printed_counted_or_dropped() {
        use crate::export::processor::{BatchConfig, BoundedSpanProcessor};

        let captured = Captured::default();
        let exporter = TerminalExporter::with_writer(captured.clone(), RenderOptions::plain(100))
            .grace_period(Duration::ZERO);
        let processor = BoundedSpanProcessor::new(
            exporter,
            BatchConfig {
                queue_size: 64,
                max_export_batch_size: 32,
                schedule_delay: Duration::from_millis(1),
                ..BatchConfig::default()
            },
        )
        .unwrap();
        let stats = processor.stats();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .build();
        let tracer = provider.tracer("terminal-load");
        let ended = 20_000;
        for _ in 0..ended {
            tracer.in_span("request", |_| {});
        }
        provider.shutdown().unwrap();

        // Spans the queue had no room for are counted as dropped...
        assert_eq!(stats.exported_spans() + stats.dropped_spans(), ended);
        // ... and every span exported is either in a printed tree or
        // counted as left out by a summary.
        let text = captured.text();
        let left_out = left_out(&text);
        assert!(left_out > 0, "the summaries took over:\n{text:.2000}");
        assert_eq!(
            headers(&text).len() as u64 + left_out,
            stats.exported_spans()
        );
    }
}
