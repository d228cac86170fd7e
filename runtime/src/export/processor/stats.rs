//! [`ProcessorStats`]: the counts a [`BoundedSpanProcessor`](super::BoundedSpanProcessor)
//! keeps, shared by its handle, its intakes and its export thread.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Counts kept by a [`BoundedSpanProcessor`](super::BoundedSpanProcessor),
/// readable while it runs and after it has shut down.
#[derive(Clone, Debug, Default)]
pub struct ProcessorStats(pub(super) Arc<Counters>);

#[derive(Debug, Default)]
pub(super) struct Counters {
    /// Spans admitted and not yet released (queued or being exported).
    pub(super) held: AtomicUsize,
    pub(super) dropped: AtomicU64,
    pub(super) failed: AtomicU64,
    pub(super) exported: AtomicU64,
    /// Set by shutdown: every export, including one already in flight,
    /// ends by then.
    pub(super) deadline: Mutex<Option<Instant>>,
    /// Wakes an export in flight when the deadline is set.
    pub(super) deadline_set: tokio::sync::Notify,
    /// Why the latest failed export failed.
    pub(super) last_error: Mutex<Option<String>>,
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
