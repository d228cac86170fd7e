//! [`BoundedSpanProcessor`]: a batch span processor with a fixed-capacity
//! queue that never blocks the thread ending a span.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future as _;
use std::io;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};

use super::limits::truncate_attribute_values;
use opentelemetry::trace::SpanContext;

use crate::record::{RecordData, RecordSink, SpanRecord};

/// Limits and timings of a [`BoundedSpanProcessor`].
///
/// ```
/// use std::time::Duration;
/// use tracewire::export::BatchConfig;
///
/// let config = BatchConfig {
///     queue_size: 4096,
///     ..BatchConfig::default()
/// };
/// assert_eq!(config.max_export_batch_size, 512);
/// assert_eq!(config.schedule_delay, Duration::from_secs(5));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// The most spans held at once, queued or being exported. A span that
    /// arrives when this many are held is dropped and counted. Default 2048.
    pub queue_size: usize,
    /// The most spans sent in one export. Capped at `queue_size`.
    /// Default 512.
    pub max_export_batch_size: usize,
    /// How long spans may wait for a batch to fill before it is exported
    /// anyway. Default 5 s.
    pub schedule_delay: Duration,
    /// The longest one export may take, retries included, before its spans
    /// are counted as failed. Default 10 s.
    pub export_timeout: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            queue_size: 2048,
            max_export_batch_size: 512,
            schedule_delay: Duration::from_secs(5),
            export_timeout: Duration::from_secs(10),
        }
    }
}

/// Counts kept by a [`BoundedSpanProcessor`], readable while it runs and
/// after it has shut down.
#[derive(Clone, Debug, Default)]
pub struct ProcessorStats(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    /// Spans admitted and not yet released (queued or being exported).
    held: AtomicUsize,
    dropped: AtomicU64,
    failed: AtomicU64,
    exported: AtomicU64,
    /// Set by shutdown: every export, including one already in flight,
    /// ends by then.
    deadline: Mutex<Option<Instant>>,
    /// Wakes an export in flight when the deadline is set.
    deadline_set: tokio::sync::Notify,
    /// Why the latest failed export failed.
    last_error: Mutex<Option<String>>,
}

impl ProcessorStats {
    /// Spans dropped because the queue was full when they ended.
    pub fn dropped_spans(&self) -> u64 {
        self.0.dropped.load(Ordering::Relaxed)
    }

    /// Spans that were dequeued but not delivered: their export failed or
    /// timed out, or shutdown came before they could be sent.
    pub fn failed_spans(&self) -> u64 {
        self.0.failed.load(Ordering::Relaxed)
    }

    /// Spans the exporter accepted.
    pub fn exported_spans(&self) -> u64 {
        self.0.exported.load(Ordering::Relaxed)
    }

    /// Why the most recent failed export failed (what the collector
    /// answered, or why it could not be reached), if one has.
    pub fn last_error(&self) -> Option<String> {
        self.0
            .last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Spans held right now, queued or in the batch being exported; never
    /// more than the queue size.
    pub fn held_spans(&self) -> usize {
        self.0.held.load(Ordering::Relaxed)
    }
}

// Spans travel by value: boxing them would add an allocation to every span.
#[allow(clippy::large_enum_variant)]
enum Message {
    Span(SpanData),
    /// A batch's worth of handler span records is waiting in the records
    /// buffer.
    Records,
    Resource(Resource),
    Flush(SyncSender<OTelSdkResult>),
    Shutdown {
        ack: SyncSender<OTelSdkResult>,
        deadline: Instant,
    },
}

/// A batch span processor with a fixed-capacity queue that never blocks the
/// thread ending a span.
///
/// [`BoundedSpanProcessor`] stands where the SDK's `BatchSpanProcessor`
/// would. It exists because a handler must never wait on telemetry, and
/// because the SDK processor keeps its count of dropped spans private (it
/// only logs it), while tracewire reports that count on the guard, on stderr
/// and as a metric.
///
/// - **Never blocks the caller.** `on_end` admits a span with one atomic
///   increment against the capacity and hands it to an unbounded channel,
///   whose send never waits. A span that finds the queue full is dropped and
///   counted. Nothing else happens on the handler's thread.
/// - **Bounded memory.** At most `queue_size` spans are held at any moment,
///   counting both the spans waiting in the queue and the batch being
///   exported: a span's slot is released only once its export has finished
///   (or failed). A collector that is down or slow therefore costs a fixed
///   amount of memory, and the excess is dropped, not buffered.
/// - **A thread of its own.** One thread per processor (`tracewire-export-*`)
///   collects batches of up to `max_export_batch_size` spans, or whatever
///   arrived within `schedule_delay`, and exports them one batch at a time.
///   Every export is bounded by `export_timeout`; one that fails or times out
///   counts its spans as failed, and the next batch is tried afresh, so export
///   resumes by itself once the collector is back.
/// - **Bounded shutdown.** `shutdown_with_timeout(t)` exports what is
///   queued until `t` has passed, cutting short an export in flight at that
///   point; whatever is left is counted as failed and the call returns an
///   error saying how many spans were lost.
/// - **Its own reactor.** The thread owns a small current-thread tokio
///   runtime (IO and timers) and drives every export on it with `block_on`.
///   Async exporters built on tonic or hyper, which need a reactor, therefore
///   work whatever runtime the application uses, or none, and never compete
///   with the application's tasks. Exporters that need a runtime when they
///   are *built* (tonic's lazy channel spawns a task) are built inside it with
///   [`BoundedSpanProcessor::with_exporter`].
///
/// ```
/// use opentelemetry::trace::{Tracer as _, TracerProvider as _};
/// use opentelemetry_sdk::error::OTelSdkResult;
/// use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
/// use tracewire::export::{BatchConfig, BoundedSpanProcessor};
///
/// /// Prints each span's name.
/// #[derive(Debug)]
/// struct Names;
///
/// impl SpanExporter for Names {
///     async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
///         batch.iter().for_each(|span| println!("{}", span.name));
///         Ok(())
///     }
/// }
///
/// let exporter = Names;
/// let processor = BoundedSpanProcessor::new(exporter, BatchConfig::default())?;
/// let stats = processor.stats();
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(processor)
///     .build();
/// provider.tracer("example").in_span("work", |_| {});
/// provider.force_flush()?;
/// assert_eq!(stats.exported_spans(), 1);
/// assert_eq!(stats.dropped_spans(), 0);
/// provider.shutdown()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct BoundedSpanProcessor {
    /// Handler span records from the record path, waiting for the export
    /// thread, which takes them all at once (see [`Intake`]).
    records: Arc<Mutex<RecordBuffer>>,
    batch_size: usize,
    sender: Sender<Message>,
    stats: ProcessorStats,
    capacity: usize,
    export_timeout: Duration,
    is_shutdown: Arc<AtomicBool>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for BoundedSpanProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSpanProcessor")
            .field("capacity", &self.capacity)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl BoundedSpanProcessor {
    /// Starts a processor exporting through `exporter` on a thread of its
    /// own.
    ///
    /// # Errors
    ///
    /// When the thread or its tokio runtime cannot be created.
    pub fn new<E: SpanExporter + 'static>(exporter: E, config: BatchConfig) -> io::Result<Self> {
        Self::with_exporter("spans", config, move || Ok::<_, io::Error>(exporter)).map_err(
            |error| match error {
                StartError::Io(error) | StartError::Exporter(error) => error,
            },
        )
    }

    /// Starts a processor whose exporter is built by `build` inside the
    /// processor's tokio runtime, for exporters (like tonic's) that spawn
    /// tasks when they are created. `name` names the thread
    /// (`tracewire-export-{name}`).
    ///
    /// # Errors
    ///
    /// [`StartError::Exporter`] with `build`'s error, or [`StartError::Io`]
    /// when the thread or runtime cannot be created.
    pub fn with_exporter<E, F, Err>(
        name: &str,
        config: BatchConfig,
        build: F,
    ) -> Result<Self, StartError<Err>>
    where
        E: SpanExporter + 'static,
        F: FnOnce() -> Result<E, Err>,
    {
        Self::start(name, config, None, build)
    }

    /// [`with_exporter`](Self::with_exporter), cutting string attribute
    /// values longer than `value_length` characters before export
    /// (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`): on the export thread, so the
    /// handler that ended the span never pays for it.
    pub(crate) fn start<E, F, Err>(
        name: &str,
        config: BatchConfig,
        value_length: Option<usize>,
        build: F,
    ) -> Result<Self, StartError<Err>>
    where
        E: SpanExporter + 'static,
        F: FnOnce() -> Result<E, Err>,
    {
        let runtime = ExportRuntime::new().map_err(StartError::Io)?;
        let exporter = {
            let _entered = runtime.enter();
            build().map_err(StartError::Exporter)?
        };
        let capacity = config.queue_size.max(1);
        let config = BatchConfig {
            queue_size: capacity,
            max_export_batch_size: config.max_export_batch_size.clamp(1, capacity),
            schedule_delay: config.schedule_delay.max(Duration::from_millis(1)),
            export_timeout: config.export_timeout,
        };
        let stats = ProcessorStats::default();
        let (sender, receiver) = mpsc::channel();
        let records = Arc::new(Mutex::new(RecordBuffer::new(config.max_export_batch_size)));
        let worker = Worker {
            records: Arc::clone(&records),
            pending: VecDeque::new(),
            taken: Vec::new(),
            emptied: Vec::new(),
            exporter,
            runtime,
            receiver,
            counters: Arc::clone(&stats.0),
            config: config.clone(),
            value_length,
        };
        let handle = std::thread::Builder::new()
            .name(format!("tracewire-export-{name}"))
            .spawn(move || worker.run())
            .map_err(StartError::Io)?;
        Ok(BoundedSpanProcessor {
            records,
            batch_size: config.max_export_batch_size,
            sender,
            stats,
            capacity,
            export_timeout: config.export_timeout,
            is_shutdown: Arc::new(AtomicBool::new(false)),
            worker: Mutex::new(Some(handle)),
        })
    }

    /// A handle on this processor's counts, valid after it is moved into a
    /// tracer provider.
    pub fn stats(&self) -> ProcessorStats {
        self.stats.clone()
    }

    /// A handle that queues handler span records as `on_end` queues spans:
    /// against the same capacity, counted in the same stats.
    pub(crate) fn intake(&self) -> Intake {
        Intake {
            records: Arc::clone(&self.records),
            batch_size: self.batch_size,
            sender: self.sender.clone(),
            stats: self.stats.clone(),
            capacity: self.capacity,
            is_shutdown: Arc::clone(&self.is_shutdown),
        }
    }

    /// Waits up to `timeout` for the worker to answer a request.
    fn request(
        &self,
        message: impl FnOnce(SyncSender<OTelSdkResult>) -> Message,
        timeout: Duration,
    ) -> OTelSdkResult {
        let (ack, answer) = mpsc::sync_channel(1);
        self.sender
            .send(message(ack))
            .map_err(|_| OTelSdkError::AlreadyShutdown)?;
        match answer.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(OTelSdkError::Timeout(timeout)),
            Err(RecvTimeoutError::Disconnected) => Err(OTelSdkError::InternalFailure(
                "the export thread stopped".into(),
            )),
        }
    }
}

/// Why [`BoundedSpanProcessor::with_exporter`] could not start.
#[derive(Debug)]
pub enum StartError<E> {
    /// The exporter could not be built.
    Exporter(E),
    /// The export thread or its runtime could not be created.
    Io(io::Error),
}

impl<E: fmt::Display> fmt::Display for StartError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Exporter(error) => write!(f, "building the exporter failed: {error}"),
            StartError::Io(error) => write!(f, "starting the export thread failed: {error}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for StartError<E> {}

impl SpanProcessor for BoundedSpanProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() || self.is_shutdown.load(Ordering::Relaxed) {
            return;
        }
        admit(
            &self.stats,
            self.capacity,
            &self.sender,
            Message::Span(span),
        );
    }

    fn force_flush(&self) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        // One batch may be in flight and one more is flushed.
        self.request(
            Message::Flush,
            self.export_timeout * 2 + Duration::from_secs(1),
        )
    }

    fn set_resource(&mut self, resource: &Resource) {
        // The exporter lives on the worker thread; messages arrive in order,
        // so it has the resource before the first span.
        let _ = self.sender.send(Message::Resource(resource.clone()));
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        if self.is_shutdown.swap(true, Ordering::AcqRel) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let deadline = Instant::now() + timeout;
        *self
            .stats
            .0
            .deadline
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(deadline);
        self.stats.0.deadline_set.notify_waiters();
        // A little longer than the worker's own deadline, so that a worker
        // keeping to it always answers.
        let failed_before = self.stats.failed_spans();
        let result = self.request(
            |ack| Message::Shutdown { ack, deadline },
            timeout + Duration::from_secs(1),
        );
        // Spans still queued when shutdown began whose export failed, even
        // those the worker dealt with before it read the shutdown message.
        let lost = self.stats.failed_spans() - failed_before;
        let result = match result {
            Ok(()) if lost > 0 => Err(OTelSdkError::InternalFailure(format!(
                "{lost} spans could not be exported before shutdown"
            ))),
            other => other,
        };
        if result.is_ok() {
            let worker = self.worker.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(worker) = worker {
                let _ = worker.join();
            }
        }
        result
    }
}

/// Queues `message` if fewer than `capacity` spans are held, and counts it
/// as dropped otherwise: one atomic increment, never a wait.
fn admit(stats: &ProcessorStats, capacity: usize, sender: &Sender<Message>, message: Message) {
    let counters = &stats.0;
    if counters.held.fetch_add(1, Ordering::AcqRel) >= capacity {
        counters.held.fetch_sub(1, Ordering::AcqRel);
        counters.dropped.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if sender.send(message).is_err() {
        counters.held.fetch_sub(1, Ordering::AcqRel);
        counters.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// A [`BoundedSpanProcessor`]'s queue, for handler span records.
///
/// Records are not sent one by one through the channel: a channel slot is
/// as large as its largest message (a `SpanData`), and the channel zeroes
/// and copies every slot. They are pushed onto a shared [`RecordBuffer`]
/// under a lock held for one push, counted against the same capacity as
/// spans, and the export thread is woken once per batch; it takes every
/// record queued at once, and builds the `SpanData`s there. A flush or
/// shutdown request, which comes after the pushes it must see, takes the
/// buffer first.
#[derive(Clone, Debug)]
pub(crate) struct Intake {
    records: Arc<Mutex<RecordBuffer>>,
    batch_size: usize,
    sender: Sender<Message>,
    stats: ProcessorStats,
    capacity: usize,
    is_shutdown: Arc<AtomicBool>,
}

impl Intake {
    #[inline]
    fn push(&self, span_context: &SpanContext, data: RecordData) {
        if !span_context.is_sampled() || self.is_shutdown.load(Ordering::Relaxed) {
            return;
        }
        let counters = &self.stats.0;
        if counters.held.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            counters.held.fetch_sub(1, Ordering::AcqRel);
            counters.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let first_batch_full = {
            let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
            if records.filling.len() >= self.batch_size {
                records.start_chunk(self.batch_size);
            }
            records.filling.push_record(span_context, data);
            records.full.is_empty() && records.filling.len() == self.batch_size
        };
        if first_batch_full {
            // The worker gone means shutdown, which counts what is left.
            let _ = self.sender.send(Message::Records);
        }
    }
}

/// The record path's sink when `init()` built the pipeline: every export
/// processor's queue.
#[derive(Debug)]
pub(crate) struct Intakes(pub(crate) Vec<Intake>);

impl RecordSink for Intakes {
    fn push(&self, span_context: &SpanContext, data: RecordData) {
        // One processor is the common case: nothing more than its push.
        if let [one] = self.0.as_slice() {
            one.push(span_context, data);
        } else {
            self.push_each(span_context, data);
        }
    }
}

impl Intakes {
    #[inline(never)]
    fn push_each(&self, span_context: &SpanContext, data: RecordData) {
        if let [rest @ .., last] = self.0.as_slice() {
            rest.iter()
                .for_each(|intake| intake.push(span_context, data.clone()));
            last.push(span_context, data);
        }
    }
}

/// Where a processor's intakes leave handler span records for its export
/// thread: chunks of a batch each, the last one being filled.
///
/// In chunks, so that a backlog never makes a handler's push copy what is
/// already queued: a full chunk is set aside and the next one is started,
/// where one buffer would be reallocated, every record in it copied, on
/// whichever handler thread found it full. The export thread hands the
/// chunks it has emptied back, with their room, so that once a burst has
/// been seen neither side allocates for records again.
#[derive(Debug)]
pub(crate) struct RecordBuffer {
    /// The chunk being filled: at most a batch of records, in the room of
    /// one.
    filling: Vec<SpanRecord>,
    /// Chunks filled before it, oldest first.
    full: Vec<Vec<SpanRecord>>,
    /// Empty chunks, each with the room of a batch.
    spare: Vec<Vec<SpanRecord>>,
}

/// A chunk of records.
trait Chunk {
    fn push_record(&mut self, span_context: &SpanContext, data: RecordData);
}

impl Chunk for Vec<SpanRecord> {
    /// `push`, with the record built in its slot: `Vec::push` builds it on
    /// the stack and copies it there.
    #[inline]
    fn push_record(&mut self, span_context: &SpanContext, data: RecordData) {
        // A chunk has the room of a batch and never holds more, so this
        // never grows it.
        self.reserve(1);
        self.spare_capacity_mut()[0].write(SpanRecord {
            span_context: span_context.clone(),
            data,
        });
        // SAFETY: the slot past the end was written on the line above, and
        // `reserve` made sure there is one.
        unsafe { self.set_len(self.len() + 1) };
    }
}

impl RecordBuffer {
    fn new(chunk: usize) -> Self {
        RecordBuffer {
            filling: Vec::with_capacity(chunk),
            full: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// An empty chunk with the room of `chunk` records.
    fn spare_chunk(&mut self, chunk: usize) -> Vec<SpanRecord> {
        self.spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(chunk))
    }

    /// Sets the filled chunk aside and starts the next. Once a batch.
    #[inline(never)]
    fn start_chunk(&mut self, chunk: usize) {
        let next = self.spare_chunk(chunk);
        let full = std::mem::replace(&mut self.filling, next);
        self.full.push(full);
    }
}

/// The export thread's state.
struct Worker<E> {
    /// Shared with the processor's intakes.
    records: Arc<Mutex<RecordBuffer>>,
    /// Chunks of records taken from the buffer, oldest first, not yet all
    /// in a batch.
    pending: VecDeque<VecDeque<SpanRecord>>,
    /// The buffer's full chunks, as taken (kept for its room).
    taken: Vec<Vec<SpanRecord>>,
    /// Chunks read to their end, to be handed back to the buffer.
    emptied: Vec<Vec<SpanRecord>>,
    exporter: E,
    runtime: ExportRuntime,
    receiver: mpsc::Receiver<Message>,
    counters: Arc<Counters>,
    config: BatchConfig,
    value_length: Option<usize>,
}

impl<E: SpanExporter> Worker<E> {
    fn run(mut self) {
        // Whatever the exporter's own libraries trace must not come back here.
        let _suppressed = Context::enter_telemetry_suppressed_scope();
        let mut batch = Vec::with_capacity(self.config.max_export_batch_size);
        let mut next_export = Instant::now() + self.config.schedule_delay;
        loop {
            let wait = next_export.saturating_duration_since(Instant::now());
            match self.receiver.recv_timeout(wait) {
                Ok(Message::Records) => {
                    while self.take_records(&mut batch) {
                        // A failure is counted in the stats; the next batch is tried afresh.
                        let _ = self.export(&mut batch, None);
                    }
                }
                Ok(Message::Span(span)) => {
                    batch.push(span);
                    if batch.len() >= self.config.max_export_batch_size {
                        // A failure is counted in the stats; the next batch is tried afresh.
                        let _ = self.export(&mut batch, None);
                        next_export = Instant::now() + self.config.schedule_delay;
                    }
                }
                Ok(Message::Resource(resource)) => self.exporter.set_resource(&resource),
                Ok(Message::Flush(ack)) => {
                    // Messages arrive in order, so every span that ended
                    // before the flush was asked for is in `batch` or sent,
                    // and every record in the buffer.
                    let mut result = Ok(());
                    while self.take_records(&mut batch) {
                        result = result.and(self.export(&mut batch, None));
                    }
                    let result = result.and(self.export(&mut batch, None));
                    let result = result.and(self.exporter.force_flush());
                    let _ = ack.send(result);
                    next_export = Instant::now() + self.config.schedule_delay;
                }
                Ok(Message::Shutdown { ack, deadline }) => {
                    let result = self.drain(&mut batch, deadline);
                    let remaining = deadline.saturating_duration_since(Instant::now());
                    let result = result.and(self.exporter.shutdown_with_timeout(remaining));
                    let _ = ack.send(result);
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    while self.take_records(&mut batch) {
                        // A failure is counted in the stats; the next batch is tried afresh.
                        let _ = self.export(&mut batch, None);
                    }
                    if !batch.is_empty() {
                        // A failure is counted in the stats; the next batch is tried afresh.
                        let _ = self.export(&mut batch, None);
                    }
                    next_export = Instant::now() + self.config.schedule_delay;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    // The processor was dropped without a shutdown.
                    let deadline = Instant::now() + self.config.export_timeout;
                    let _ = self.drain(&mut batch, deadline);
                    let _ = self
                        .exporter
                        .shutdown_with_timeout(self.config.export_timeout);
                    return;
                }
            }
        }
    }

    /// Moves records into `batch`, built into `SpanData`, until it is full
    /// or none are left; true when it is full.
    ///
    /// Takes every chunk the intakes have filled or started, oldest first,
    /// and hands back those it has read to the end, empty with their room
    /// (see [`RecordBuffer`]).
    fn take_records(&mut self, batch: &mut Vec<SpanData>) -> bool {
        let max = self.config.max_export_batch_size;
        loop {
            while batch.len() < max {
                let Some(chunk) = self.pending.front_mut() else {
                    break;
                };
                match chunk.pop_front() {
                    Some(record) => batch.push(record.into_span_data()),
                    None => {
                        // Empty, so this is no copy.
                        let chunk = Vec::from(self.pending.pop_front().unwrap_or_default());
                        self.emptied.push(chunk);
                    }
                }
            }
            if batch.len() >= max {
                return true;
            }
            let filling = {
                let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
                records.spare.append(&mut self.emptied);
                if records.filling.is_empty() && records.full.is_empty() {
                    return false;
                }
                std::mem::swap(&mut records.full, &mut self.taken);
                let next = records.spare_chunk(max);
                std::mem::replace(&mut records.filling, next)
            };
            self.pending
                .extend(self.taken.drain(..).map(VecDeque::from));
            self.pending.push_back(VecDeque::from(filling));
        }
    }

    /// Exports `batch` and every span still queued, until `deadline`; spans
    /// left over then are counted as failed.
    fn drain(&mut self, batch: &mut Vec<SpanData>, deadline: Instant) -> OTelSdkResult {
        let mut result = Ok(());
        loop {
            self.take_records(batch);
            while batch.len() < self.config.max_export_batch_size {
                match self.receiver.try_recv() {
                    Ok(Message::Span(span)) => batch.push(span),
                    Ok(Message::Records) => {}
                    Ok(Message::Resource(resource)) => self.exporter.set_resource(&resource),
                    Ok(Message::Flush(ack)) | Ok(Message::Shutdown { ack, .. }) => {
                        let _ = ack.send(Err(OTelSdkError::AlreadyShutdown));
                    }
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                return result;
            }
            if Instant::now() >= deadline {
                self.release(batch.len(), false);
                batch.clear();
                result = Err(OTelSdkError::Timeout(self.config.export_timeout));
                continue;
            }
            let outcome = self.export(batch, Some(deadline));
            if result.is_ok() {
                result = outcome;
            }
        }
    }

    /// Exports `batch`, bounded by the export timeout and by the shutdown
    /// deadline (`deadline`, or one set while the export is in flight).
    fn export(&mut self, batch: &mut Vec<SpanData>, deadline: Option<Instant>) -> OTelSdkResult {
        if batch.is_empty() {
            return Ok(());
        }
        let mut spans =
            std::mem::replace(batch, Vec::with_capacity(self.config.max_export_batch_size));
        if let Some(limit) = self.value_length {
            spans
                .iter_mut()
                .for_each(|span| truncate_attribute_values(span, limit));
        }
        let count = spans.len();
        let counters = &*self.counters;
        // Created before the deadline is read, so a shutdown that starts
        // after this point is always seen.
        let deadline_set = counters.deadline_set.notified();
        let deadline = deadline.or(*counters.deadline.lock().unwrap_or_else(|e| e.into_inner()));
        let mut timeout = self.config.export_timeout;
        if let Some(deadline) = deadline {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                self.release(count, false);
                return Err(OTelSdkError::Timeout(self.config.export_timeout));
            }
            timeout = timeout.min(remaining);
        }
        let exporter = &self.exporter;
        let result = self.runtime.block_on(async move {
            let export = pin!(tokio::time::timeout(timeout, exporter.export(spans)));
            // When shutdown sets a deadline mid-export, the export ends by
            // then even if its own timeout is later.
            let cut_short = pin!(async move {
                deadline_set.await;
                let deadline = *counters.deadline.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(deadline) = deadline {
                    tokio::time::sleep_until(deadline.into()).await;
                }
            });
            let (mut export, mut cut_short) = (export, cut_short);
            std::future::poll_fn(|cx| {
                if let Poll::Ready(result) = export.as_mut().poll(cx) {
                    return Poll::Ready(result.unwrap_or(Err(OTelSdkError::Timeout(timeout))));
                }
                if cut_short.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(OTelSdkError::Timeout(timeout)));
                }
                Poll::Pending
            })
            .await
        });
        self.release(count, result.is_ok());
        if let Err(error) = &result {
            *self
                .counters
                .last_error
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(error.to_string());
        }
        result
    }

    fn release(&self, count: usize, exported: bool) {
        let counter = if exported {
            &self.counters.exported
        } else {
            &self.counters.failed
        };
        counter.fetch_add(count as u64, Ordering::Relaxed);
        self.counters.held.fetch_sub(count, Ordering::AcqRel);
    }
}

/// A current-thread tokio runtime (IO and timers) that is safe to drop
/// anywhere: dropping a runtime inside another runtime's async context would
/// panic, so it is shut down in the background instead.
pub(crate) struct ExportRuntime(Option<tokio::runtime::Runtime>);

impl ExportRuntime {
    pub(crate) fn new() -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(ExportRuntime(Some(runtime)))
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.0.as_ref().expect("the runtime is only taken on drop")
    }

    pub(crate) fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.runtime().enter()
    }

    /// Runs `future` to completion on this runtime. Must not be called from
    /// inside an async context (it would panic); export threads never are.
    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime().block_on(future)
    }
}

impl Drop for ExportRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use std::future::Future;

    /// Keeps every exported span.
    #[derive(Clone, Debug, Default)]
    struct Collect(Arc<Mutex<Vec<SpanData>>>);

    impl Collect {
        fn len(&self) -> usize {
            self.0.lock().unwrap().len()
        }
    }

    impl SpanExporter for Collect {
        fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
            self.0.lock().unwrap().extend(batch);
            std::future::ready(Ok(()))
        }
    }

    /// An exporter whose exports never finish.
    #[derive(Debug)]
    struct Stuck;

    impl SpanExporter for Stuck {
        fn export(&self, _batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
            std::future::pending()
        }
    }

    fn provider(processor: BoundedSpanProcessor) -> SdkTracerProvider {
        SdkTracerProvider::builder()
            .with_span_processor(processor)
            .build()
    }

    #[test]
    fn a_stuck_exporter_holds_at_most_the_queue_size_and_the_rest_is_dropped() {
        let config = BatchConfig {
            queue_size: 64,
            max_export_batch_size: 8,
            schedule_delay: Duration::from_millis(1),
            export_timeout: Duration::from_secs(30),
        };
        let processor = BoundedSpanProcessor::new(Stuck, config).unwrap();
        let stats = processor.stats();
        let provider = provider(processor);
        let tracer = provider.tracer("test");
        for _ in 0..1_000 {
            tracer.in_span("work", |_| {});
        }
        // The first batch is stuck in export and holds its slots: exactly
        // 64 spans were admitted, whatever the worker got round to.
        assert_eq!(stats.dropped_spans(), 1_000 - 64);
        assert_eq!(stats.held_spans(), 64);
        assert_eq!(stats.exported_spans(), 0);
        let started = Instant::now();
        let result = provider.shutdown_with_timeout(Duration::from_millis(200));
        assert!(result.is_err(), "a stuck export can't shut down cleanly");
        assert!(started.elapsed() < Duration::from_secs(10), "shutdown hung");
    }

    #[test]
    fn flush_delivers_everything_that_ended_before_it() {
        let exporter = Collect::default();
        let config = BatchConfig {
            max_export_batch_size: 7,
            schedule_delay: Duration::from_secs(3600),
            ..BatchConfig::default()
        };
        let processor = BoundedSpanProcessor::new(exporter.clone(), config).unwrap();
        let stats = processor.stats();
        let provider = provider(processor);
        let tracer = provider.tracer("test");
        for _ in 0..100 {
            tracer.in_span("work", |_| {});
        }
        provider.force_flush().unwrap();
        assert_eq!(exporter.len(), 100);
        assert_eq!(stats.exported_spans(), 100);
        assert_eq!(stats.held_spans(), 0);
        provider.shutdown().unwrap();
    }

    #[test]
    fn shutdown_exports_what_is_queued() {
        let exporter = Collect::default();
        let config = BatchConfig {
            schedule_delay: Duration::from_secs(3600),
            ..BatchConfig::default()
        };
        let processor = BoundedSpanProcessor::new(exporter.clone(), config).unwrap();
        let provider = provider(processor);
        let tracer = provider.tracer("test");
        for _ in 0..10 {
            tracer.in_span("work", |_| {});
        }
        provider.shutdown().unwrap();
        assert_eq!(exporter.len(), 10);
    }

    /// A handler span record with span id `id`, sampled.
    fn record(id: u64) -> (SpanContext, RecordData) {
        use opentelemetry::trace::{SpanId, SpanKind, TraceFlags, TraceId, TraceState};
        let span_context = SpanContext::new(
            TraceId::from(1),
            SpanId::from(id),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        let data = RecordData {
            parent_span_id: SpanId::INVALID,
            start: std::time::SystemTime::now(),
            end: std::time::SystemTime::now(),
            name: "record",
            attributes: Vec::new(),
            dropped_attributes: 0,
            kind: SpanKind::Internal,
            parent_is_remote: false,
            rare: None,
        };
        (span_context, data)
    }

    #[test]
    fn records_beyond_a_chunk_are_all_delivered_in_order() {
        let exporter = Collect::default();
        let config = BatchConfig {
            max_export_batch_size: 7,
            schedule_delay: Duration::from_secs(3600),
            ..BatchConfig::default()
        };
        let processor = BoundedSpanProcessor::new(exporter.clone(), config).unwrap();
        let stats = processor.stats();
        let intake = processor.intake();
        let provider = provider(processor);
        // Several chunks' worth, twice: the second round reuses the chunks
        // the export thread handed back.
        for round in 0..2u64 {
            for id in 1..=50 {
                let (span_context, data) = record(round * 100 + id);
                intake.push(&span_context, data);
            }
            provider.force_flush().unwrap();
        }
        let ids: Vec<u64> = exporter
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|span| u64::from_be_bytes(span.span_context.span_id().to_bytes()))
            .collect();
        let expected: Vec<u64> = (1..=50).chain(101..=150).collect();
        assert_eq!(ids, expected);
        assert_eq!(stats.exported_spans(), 100);
        assert_eq!(stats.dropped_spans(), 0);
        assert_eq!(stats.held_spans(), 0);
        provider.shutdown().unwrap();
    }

    #[test]
    fn records_past_the_capacity_are_dropped_and_counted() {
        let config = BatchConfig {
            queue_size: 20,
            max_export_batch_size: 3,
            schedule_delay: Duration::from_millis(1),
            export_timeout: Duration::from_secs(30),
        };
        let processor = BoundedSpanProcessor::new(Stuck, config).unwrap();
        let stats = processor.stats();
        let intake = processor.intake();
        for id in 1..=100 {
            let (span_context, data) = record(id);
            intake.push(&span_context, data);
        }
        assert_eq!(stats.held_spans(), 20);
        assert_eq!(stats.dropped_spans(), 80);
        let provider = provider(processor);
        assert!(
            provider
                .shutdown_with_timeout(Duration::from_millis(200))
                .is_err()
        );
    }

    #[test]
    fn unsampled_spans_are_not_queued() {
        let exporter = Collect::default();
        let processor =
            BoundedSpanProcessor::new(exporter.clone(), BatchConfig::default()).unwrap();
        let stats = processor.stats();
        let provider = SdkTracerProvider::builder()
            .with_sampler(opentelemetry_sdk::trace::Sampler::AlwaysOff)
            .with_span_processor(processor)
            .build();
        provider.tracer("test").in_span("work", |_| {});
        provider.shutdown().unwrap();
        assert_eq!(stats.exported_spans() + stats.dropped_spans(), 0);
    }
}
