//! The export thread: [`Worker`], which batches what arrives as
//! [`ToWorker`] messages and what the intakes leave in the buffer, and
//! exports it.

use std::collections::VecDeque;
use std::future::Future as _;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Instant;

use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::BatchConfig;
use super::export_runtime::ExportRuntime;
use super::intake::IntakeBuffer;
use super::stats::Counters;
use crate::export::limits::truncate_attribute_values;
use crate::span::direct::EndedSpan;

/// What the processor and its intakes send the export thread.
// Spans travel by value: boxing them would add an allocation to every span.
#[allow(clippy::large_enum_variant)]
pub(super) enum ToWorker {
    /// An SDK span has ended.
    Span(SpanData),
    /// A batch's worth of ended direct-path spans is waiting in the intake
    /// buffer.
    Ended,
    Resource(Resource),
    Flush(SyncSender<OTelSdkResult>),
    Shutdown {
        ack: SyncSender<OTelSdkResult>,
        deadline: Instant,
    },
}

/// The export thread's state.
pub(super) struct Worker<E> {
    /// Shared with the processor's intakes.
    pub(super) buffer: Arc<Mutex<IntakeBuffer>>,
    /// Chunks of ended spans taken from the buffer, oldest first, not yet all
    /// in a batch.
    pub(super) pending: VecDeque<VecDeque<EndedSpan>>,
    /// The buffer's full chunks, as taken (kept for its room).
    pub(super) taken: Vec<Vec<EndedSpan>>,
    /// Chunks read to their end, to be handed back to the buffer.
    pub(super) emptied: Vec<Vec<EndedSpan>>,
    pub(super) exporter: E,
    pub(super) runtime: ExportRuntime,
    pub(super) receiver: mpsc::Receiver<ToWorker>,
    pub(super) counters: Arc<Counters>,
    pub(super) config: BatchConfig,
    pub(super) value_length: Option<usize>,
}

impl<E: SpanExporter> Worker<E> {
    pub(super) fn run(mut self) {
        // Whatever the exporter's own libraries trace must not come back here.
        let _suppressed = Context::enter_telemetry_suppressed_scope();
        let mut batch = Vec::with_capacity(self.config.max_export_batch_size);
        let mut next_export = Instant::now() + self.config.schedule_delay;
        loop {
            let wait = next_export.saturating_duration_since(Instant::now());
            match self.receiver.recv_timeout(wait) {
                Ok(ToWorker::Ended) => {
                    while self.take_ended(&mut batch) {
                        // A failure is counted in the stats; the next batch is tried afresh.
                        let _ = self.export(&mut batch, None);
                    }
                }
                Ok(ToWorker::Span(span)) => {
                    batch.push(span);
                    if batch.len() >= self.config.max_export_batch_size {
                        // A failure is counted in the stats; the next batch is tried afresh.
                        let _ = self.export(&mut batch, None);
                        next_export = Instant::now() + self.config.schedule_delay;
                    }
                }
                Ok(ToWorker::Resource(resource)) => self.exporter.set_resource(&resource),
                Ok(ToWorker::Flush(ack)) => {
                    // Messages arrive in order, so every span that ended
                    // before the flush was asked for is in `batch` or sent,
                    // and every ended span in the buffer.
                    let mut result = Ok(());
                    while self.take_ended(&mut batch) {
                        result = result.and(self.export(&mut batch, None));
                    }
                    let result = result.and(self.export(&mut batch, None));
                    let result = result.and(self.exporter.force_flush());
                    let _ = ack.send(result);
                    next_export = Instant::now() + self.config.schedule_delay;
                }
                Ok(ToWorker::Shutdown { ack, deadline }) => {
                    let result = self.drain(&mut batch, deadline);
                    let remaining = deadline.saturating_duration_since(Instant::now());
                    let result = result.and(self.exporter.shutdown_with_timeout(remaining));
                    let _ = ack.send(result);
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    while self.take_ended(&mut batch) {
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

    /// Moves ended spans into `batch`, built into `SpanData`, until it is full
    /// or none are left; true when it is full.
    ///
    /// Takes every chunk the intakes have filled or started, oldest first,
    /// and hands back those it has read to the end, empty with their room
    /// (see [`IntakeBuffer`]).
    fn take_ended(&mut self, batch: &mut Vec<SpanData>) -> bool {
        let max = self.config.max_export_batch_size;
        loop {
            while batch.len() < max {
                let Some(chunk) = self.pending.front_mut() else {
                    break;
                };
                match chunk.pop_front() {
                    Some(ended) => batch.push(ended.into_span_data()),
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
                let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
                buffer.spare.append(&mut self.emptied);
                if buffer.filling.is_empty() && buffer.full.is_empty() {
                    return false;
                }
                std::mem::swap(&mut buffer.full, &mut self.taken);
                let next = buffer.spare_chunk(max);
                std::mem::replace(&mut buffer.filling, next)
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
            self.take_ended(batch);
            while batch.len() < self.config.max_export_batch_size {
                match self.receiver.try_recv() {
                    Ok(ToWorker::Span(span)) => batch.push(span),
                    Ok(ToWorker::Ended) => {}
                    Ok(ToWorker::Resource(resource)) => self.exporter.set_resource(&resource),
                    Ok(ToWorker::Flush(ack)) | Ok(ToWorker::Shutdown { ack, .. }) => {
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
