//! [`BoundedSpanProcessor`]: a batch span processor with a fixed-capacity
//! queue that never blocks the thread ending a span, configured by a
//! [`BatchConfig`].

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};

use super::batch_config::BatchConfig;
use super::export_runtime::ExportRuntime;
use super::intake::{Intake, IntakeBuffer};
use super::stats::ProcessorStats;
use super::worker::{ToWorker, Worker};

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
    /// Ended direct-path spans, waiting for the export thread, which takes
    /// them all at once (see [`Intake`]).
    buffer: Arc<Mutex<IntakeBuffer>>,
    batch_size: usize,
    sender: Sender<ToWorker>,
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
        let buffer = Arc::new(Mutex::new(IntakeBuffer::new(config.max_export_batch_size)));
        let worker = Worker {
            buffer: Arc::clone(&buffer),
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
            buffer,
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

    /// A handle that queues ended direct-path spans as `on_end` queues SDK
    /// spans: against the same capacity, counted in the same stats.
    pub(crate) fn intake(&self) -> Intake {
        Intake {
            buffer: Arc::clone(&self.buffer),
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
        message: impl FnOnce(SyncSender<OTelSdkResult>) -> ToWorker,
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
            ToWorker::Span(span),
        );
    }

    fn force_flush(&self) -> OTelSdkResult {
        if self.is_shutdown.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        // One batch may be in flight and one more is flushed.
        self.request(
            ToWorker::Flush,
            self.export_timeout * 2 + Duration::from_secs(1),
        )
    }

    fn set_resource(&mut self, resource: &Resource) {
        // The exporter lives on the worker thread; messages arrive in order,
        // so it has the resource before the first span.
        let _ = self.sender.send(ToWorker::Resource(resource.clone()));
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
            |ack| ToWorker::Shutdown { ack, deadline },
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
fn admit(stats: &ProcessorStats, capacity: usize, sender: &Sender<ToWorker>, message: ToWorker) {
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
