//! The intake of ended direct-path spans: [`Intake`], one processor's
//! queue for them; [`Intakes`], the sink in front of every processor; and
//! the [`IntakeBuffer`] an intake shares with its export thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use opentelemetry::trace::SpanContext;

use super::stats::ProcessorStats;
use super::worker::ToWorker;
use crate::span::direct::{EndedSpan, SpanContents, SpanSink};

/// A [`BoundedSpanProcessor`](super::BoundedSpanProcessor)'s queue, for ended direct-path spans.
///
/// Ended spans are not sent one by one through the channel: a channel slot is
/// as large as its largest message (a `SpanData`), and the channel zeroes
/// and copies every slot. They are pushed onto a shared [`IntakeBuffer`]
/// under a lock held for one push, counted against the same capacity as
/// spans, and the export thread is woken once per batch; it takes every
/// span queued at once, and builds the `SpanData`s there. A flush or
/// shutdown request, which comes after the pushes it must see, takes the
/// buffer first.
#[derive(Clone, Debug)]
pub(crate) struct Intake {
    pub(super) buffer: Arc<Mutex<IntakeBuffer>>,
    pub(super) batch_size: usize,
    pub(super) sender: Sender<ToWorker>,
    pub(super) stats: ProcessorStats,
    pub(super) capacity: usize,
    pub(super) is_shutdown: Arc<AtomicBool>,
}

impl Intake {
    #[inline]
    pub(super) fn push(&self, span_context: &SpanContext, contents: SpanContents) {
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
            let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
            if buffer.filling.len() >= self.batch_size {
                buffer.start_chunk(self.batch_size);
            }
            buffer.filling.push_ended(span_context, contents);
            buffer.full.is_empty() && buffer.filling.len() == self.batch_size
        };
        if first_batch_full {
            // The worker gone means shutdown, which counts what is left.
            let _ = self.sender.send(ToWorker::Ended);
        }
    }
}

/// The direct path's sink when tracewire built the pipeline: every export
/// processor's queue.
#[derive(Debug)]
pub(crate) struct Intakes(pub(crate) Vec<Intake>);

impl SpanSink for Intakes {
    fn push(&self, span_context: &SpanContext, contents: SpanContents) {
        // One processor is the common case: nothing more than its push.
        if let [one] = self.0.as_slice() {
            one.push(span_context, contents);
        } else {
            self.push_each(span_context, contents);
        }
    }
}

impl Intakes {
    #[inline(never)]
    fn push_each(&self, span_context: &SpanContext, contents: SpanContents) {
        if let [rest @ .., last] = self.0.as_slice() {
            rest.iter()
                .for_each(|intake| intake.push(span_context, contents.clone()));
            last.push(span_context, contents);
        }
    }
}

/// Where a processor's intakes leave ended direct-path spans for its export
/// thread: chunks of a batch each, the last one being filled.
///
/// In chunks, so that a backlog never makes a handler's push copy what is
/// already queued: a full chunk is set aside and the next one is started,
/// where one buffer would be reallocated, every span in it copied, on
/// whichever handler thread found it full. The export thread hands the
/// chunks it has emptied back, with their room, so that once a burst has
/// been seen neither side allocates for ended spans again.
#[derive(Debug)]
pub(crate) struct IntakeBuffer {
    /// The chunk being filled: at most a batch of ended spans, in the room of
    /// one.
    pub(super) filling: Vec<EndedSpan>,
    /// Chunks filled before it, oldest first.
    pub(super) full: Vec<Vec<EndedSpan>>,
    /// Empty chunks, each with the room of a batch.
    pub(super) spare: Vec<Vec<EndedSpan>>,
}

/// A chunk of ended spans.
trait Chunk {
    fn push_ended(&mut self, span_context: &SpanContext, contents: SpanContents);
}

impl Chunk for Vec<EndedSpan> {
    /// `push`, with the ended span built in its slot: `Vec::push` builds it on
    /// the stack and copies it there.
    #[inline]
    fn push_ended(&mut self, span_context: &SpanContext, contents: SpanContents) {
        // A chunk has the room of a batch and never holds more, so this
        // never grows it.
        self.reserve(1);
        self.spare_capacity_mut()[0].write(EndedSpan {
            span_context: span_context.clone(),
            contents,
        });
        // SAFETY: the slot past the end was written on the line above, and
        // `reserve` made sure there is one.
        unsafe { self.set_len(self.len() + 1) };
    }
}

impl IntakeBuffer {
    pub(super) fn new(chunk: usize) -> Self {
        IntakeBuffer {
            filling: Vec::with_capacity(chunk),
            full: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// An empty chunk with the room of `chunk` ended spans.
    pub(super) fn spare_chunk(&mut self, chunk: usize) -> Vec<EndedSpan> {
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
