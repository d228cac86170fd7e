//! A connection's outbound side: the queue its channels, PubSub and the
//! reader put frames on, bounded by bytes and never waited on, and the
//! writer that drains it to the WebSocket (sending each broadcast inside
//! its `handle_out` delivery span), then sends the close frame.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures_util::{Sink, SinkExt as _};
use opentelemetry::Context;
use opentelemetry::trace::{SpanContext, SpanKind, TraceContextExt as _};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError, mpsc, watch};

use crate::outcome::Outcome;
use crate::span::{SpanGuard, SpanMeta};

/// How long closing waits for the close frame to be written.
pub(crate) const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// What a queued frame costs beyond its text: the queue entry itself.
pub(crate) const ENTRY_OVERHEAD: usize = 64;
/// Why the server closes a connection: a WebSocket close code and reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CloseReason {
    pub(crate) code: u16,
    pub(crate) reason: Cow<'static, str>,
}

impl CloseReason {
    const fn new(code: u16, reason: &'static str) -> Self {
        CloseReason {
            code,
            reason: Cow::Borrowed(reason),
        }
    }

    /// The client closed, or the server closes with nothing to report.
    pub(crate) const NORMAL: CloseReason = CloseReason::new(1000, "");
    pub(crate) const IDLE: CloseReason =
        CloseReason::new(1000, "idle timeout: no message from the client");
    pub(crate) const SHUTDOWN: CloseReason = CloseReason::new(1001, "server shutting down");
    pub(crate) const SLOW_CLIENT: CloseReason = CloseReason::new(
        1013,
        "outbound buffer full: the client is not reading fast enough",
    );
    pub(crate) const WRITE_FAILED: CloseReason = CloseReason::new(1011, "write failed");

    /// A read error: an oversized frame (1009) or a protocol violation.
    pub(crate) fn read_error(error: &axum::Error, max_frame_size: usize) -> Self {
        // axum hides tungstenite's error type; its message is the only
        // stable way to tell a size limit from other protocol errors.
        let text = error.to_string();
        if text.contains("Space limit exceeded") || text.contains("too long") {
            CloseReason {
                code: 1009,
                reason: format!("message too big: the limit is {max_frame_size} bytes").into(),
            }
        } else if text.contains("UTF-8") {
            CloseReason::new(1007, "text frame is not valid UTF-8")
        } else {
            CloseReason {
                code: 1002,
                reason: truncate(format!("protocol error: {text}")).into(),
            }
        }
    }
}

/// A close reason must fit a control frame (123 bytes).
fn truncate(mut reason: String) -> String {
    if reason.len() > 123 {
        let mut end = 123;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    reason
}

/// The connection is closed (or closing): nothing more reaches the client.
#[derive(Debug)]
pub(crate) struct Gone;

/// A connection's outbound queue: bounded by bytes, never waited on.
pub(crate) struct Outbound {
    frames: mpsc::UnboundedSender<OutFrame>,
    budget: Arc<Semaphore>,
    capacity: usize,
    pub(crate) closing: watch::Sender<Option<CloseReason>>,
}

/// A frame waiting for the writer, holding its share of the budget.
///
/// Kept small (a delivery's span data is boxed): the queue's first block of
/// slots is allocated with the connection, and an idle connection keeps it.
pub(crate) enum OutFrame {
    Text {
        text: String,
        _permit: OwnedSemaphorePermit,
    },
    /// A broadcast to a channel that does not intercept it: the writer
    /// sends it inside a CONSUMER span linked to the broadcast span.
    Delivery(Box<Delivery>),
}

/// A broadcast frame and the span it is written in.
pub(crate) struct Delivery {
    text: String,
    span_name: &'static str,
    link: SpanContext,
    _permit: OwnedSemaphorePermit,
}

impl Outbound {
    pub(crate) fn new(capacity: usize) -> (Arc<Self>, mpsc::UnboundedReceiver<OutFrame>) {
        let (frames, rx) = mpsc::unbounded_channel();
        let outbound = Outbound {
            frames,
            budget: Arc::new(Semaphore::new(capacity)),
            capacity,
            closing: watch::Sender::new(None),
        };
        (Arc::new(outbound), rx)
    }

    /// Takes `bytes` of the budget, or closes the connection as too slow.
    pub(crate) fn reserve(&self, bytes: usize) -> Result<OwnedSemaphorePermit, Gone> {
        if self.is_closing() {
            return Err(Gone);
        }
        // A frame larger than the whole buffer still goes out when the
        // buffer is empty.
        let cost = bytes.saturating_add(ENTRY_OVERHEAD).min(self.capacity);
        let cost = u32::try_from(cost).unwrap_or(u32::MAX);
        match self.budget.clone().try_acquire_many_owned(cost) {
            Ok(permit) => Ok(permit),
            Err(TryAcquireError::NoPermits) => {
                self.close(CloseReason::SLOW_CLIENT);
                Err(Gone)
            }
            Err(TryAcquireError::Closed) => Err(Gone),
        }
    }

    /// Queues a frame.
    pub(crate) fn send(&self, text: String) -> Result<(), Gone> {
        let permit = self.reserve(text.len())?;
        self.frames
            .send(OutFrame::Text {
                text,
                _permit: permit,
            })
            .map_err(|_| Gone)
    }

    /// Queues a broadcast frame for a non-intercepting channel.
    pub(crate) fn send_delivery(
        &self,
        text: String,
        span_name: &'static str,
        link: SpanContext,
    ) -> Result<(), Gone> {
        let permit = self.reserve(text.len())?;
        self.frames
            .send(OutFrame::Delivery(Box::new(Delivery {
                text,
                span_name,
                link,
                _permit: permit,
            })))
            .map_err(|_| Gone)
    }

    /// Closes the connection with `reason`; the first reason wins.
    pub(crate) fn close(&self, reason: CloseReason) {
        self.closing.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(reason);
                true
            } else {
                false
            }
        });
    }

    pub(crate) fn is_closing(&self) -> bool {
        self.closing.borrow().is_some()
    }
}

/// Resolves with the reason once the connection is closing (never, if
/// the queue is gone, which only happens once nobody reads this).
pub(crate) async fn closed(
    closing: &mut watch::Receiver<Option<CloseReason>>,
) -> Option<CloseReason> {
    let reason = closing
        .wait_for(Option::is_some)
        .await
        .ok()
        .and_then(|reason| reason.clone());
    if reason.is_none() {
        std::future::pending::<()>().await;
    }
    reason
}

/// Writes queued frames until the connection closes, then the close frame.
/// `sink` is the transport: a WebSocket, or a LongPoll session's queue that
/// polls drain.
pub(crate) async fn write_loop<W: Sink<Message> + Unpin>(
    mut sink: W,
    mut frames: mpsc::UnboundedReceiver<OutFrame>,
    outbound: Arc<Outbound>,
) {
    let mut closing = outbound.closing.subscribe();
    let close = loop {
        let frame = tokio::select! {
            biased;
            reason = closed(&mut closing) => break reason,
            frame = frames.recv() => frame,
        };
        let Some(frame) = frame else { break None };
        let written = match frame {
            OutFrame::Text { text, _permit } => write(&mut sink, &mut closing, text).await,
            OutFrame::Delivery(delivery) => {
                let Delivery {
                    text,
                    span_name,
                    link,
                    _permit,
                } = *delivery;
                let meta = SpanMeta {
                    name: span_name,
                    kind: SpanKind::Consumer,
                    sample: None,
                };
                let linked = Context::new().with_remote_span_context(link);
                let span = SpanGuard::start_linked(&meta, Context::new(), &linked);
                let written = write(&mut sink, &mut closing, text).await;
                span.finish(Outcome::Unset);
                written
            }
        };
        let flushed = match written {
            Ok(()) if frames.is_empty() => flush(&mut sink, &mut closing).await,
            other => other,
        };
        if let Err(WriteStopped::Failed) = flushed {
            outbound.close(CloseReason::WRITE_FAILED);
        }
        if flushed.is_err() {
            break closing.borrow().clone();
        }
    };
    // Frames still queued are dropped with their permits.
    frames.close();
    if let Some(CloseReason { code, reason }) = close {
        let frame = CloseFrame {
            code,
            reason: reason.into_owned().into(),
        };
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
    }
}

enum WriteStopped {
    /// The connection is closing; stop writing.
    Closing,
    /// The peer is gone.
    Failed,
}

async fn write<W: Sink<Message> + Unpin>(
    sink: &mut W,
    closing: &mut watch::Receiver<Option<CloseReason>>,
    text: String,
) -> Result<(), WriteStopped> {
    tokio::select! {
        biased;
        _ = closed(closing) => Err(WriteStopped::Closing),
        written = sink.feed(Message::Text(text.into())) => written.map_err(|_| WriteStopped::Failed),
    }
}

async fn flush<W: Sink<Message> + Unpin>(
    sink: &mut W,
    closing: &mut watch::Receiver<Option<CloseReason>>,
) -> Result<(), WriteStopped> {
    tokio::select! {
        biased;
        _ = closed(closing) => Err(WriteStopped::Closing),
        flushed = sink.flush() => flushed.map_err(|_| WriteStopped::Failed),
    }
}
