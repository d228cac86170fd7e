//! [`ActorRef`]: the handle through which callers reach a running actor,
//! with the client and producer spans of its calls and casts.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry::trace::SpanKind;
use tokio::sync::{mpsc, oneshot, watch};

use super::mailbox::Envelope;
use super::{Actor, CallError, SendError, StopReason, registry};
use crate::message::VariantNames;
use crate::span::{HandlerMeta, HandlerSpan};
use crate::static_name::concat;
use crate::{Message, Outcome};

/// How long [`ActorRef::call`] waits for a reply, as GenServer's default.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// State shared by every [`ActorRef`] of one actor, across restarts.
pub(crate) struct Shared {
    /// Client span names (`user_cache.call get_user`), joined once per
    /// variant and then read with an atomic load.
    call_names: VariantNames,
    cast_names: VariantNames,
    pub(crate) running: AtomicBool,
    /// Bumped each time an instance stops; `stopped()` waits on it.
    pub(crate) stops: watch::Sender<u64>,
}

/// A handle to a running actor: cheap to clone, valid across supervised
/// restarts.
pub struct ActorRef<A: Actor> {
    pub(crate) tx: mpsc::Sender<Envelope<A>>,
    pub(crate) shared: Arc<Shared>,
}

impl<A: Actor> Clone for ActorRef<A> {
    fn clone(&self) -> Self {
        ActorRef {
            tx: self.tx.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<A: Actor> fmt::Debug for ActorRef<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActorRef")
            .field("actor", &super::behaviour::actor_name::<A>())
            .field("running", &self.is_running())
            .finish()
    }
}

fn record_message<M: Message>(span: &mut HandlerSpan, message: &M) {
    if span.is_recording() {
        message.record_attributes(&mut |key, value| span.record(key, Some(value)));
    }
}

impl<A: Actor> ActorRef<A> {
    /// Sends a request and waits up to [`DEFAULT_CALL_TIMEOUT`] for the
    /// reply, inside a CLIENT span `{name}.call {variant}` that is the parent
    /// of the handler's span.
    pub async fn call(&self, message: A::Call) -> Result<A::Reply, CallError> {
        self.call_timeout(message, DEFAULT_CALL_TIMEOUT).await
    }

    /// Sends a request and waits up to `timeout` for the reply. On timeout
    /// the client span gets status Error and `error.type = "timeout"`.
    pub async fn call_timeout(
        &self,
        message: A::Call,
        timeout: Duration,
    ) -> Result<A::Reply, CallError> {
        let meta = HandlerMeta {
            name: self.shared.call_names.name_for(&message),
            kind: SpanKind::Client,
            sample: A::CALL_SAMPLE,
        };
        let mut span = HandlerSpan::start(&meta);
        record_message(&mut span, &message);
        let cx = span.context().clone();
        let exchange = async {
            let (reply, answer) = oneshot::channel();
            let envelope = Envelope::Call {
                message,
                reply,
                cx: cx.clone(),
            };
            self.tx
                .send(envelope)
                .await
                .map_err(|_| CallError::NotRunning)?;
            answer.await.map_err(|_| CallError::NotRunning)?
        };
        let result = match tokio::time::timeout(timeout, span.instrument(exchange)).await {
            Ok(result) => result,
            Err(_) => Err(CallError::Timeout(timeout)),
        };
        match &result {
            Ok(_) => span.finish(Outcome::Unset),
            Err(e) => span.finish(Outcome::error(e.error_type(), e)),
        }
        result
    }

    /// Puts a request in the mailbox, waiting for room if it is full, inside
    /// a PRODUCER span `{name}.cast {variant}`.
    pub async fn cast(&self, message: A::Cast) -> Result<(), SendError<A::Cast>> {
        let (mut span, cx) = self.producer(&message);
        let sent = span
            .instrument(self.tx.send(Envelope::Cast { message, cx }))
            .await;
        self.finish_send(span, sent.map_err(|e| e.0), |e| match e {
            Envelope::Cast { message, .. } => message,
            _ => unreachable_envelope(),
        })
    }

    /// Puts a request in the mailbox if there is room now.
    pub fn try_cast(&self, message: A::Cast) -> Result<(), SendError<A::Cast>> {
        let (mut span, cx) = self.producer(&message);
        let sent = span.in_scope(|| self.tx.try_send(Envelope::Cast { message, cx }));
        match sent {
            Ok(()) => {
                span.finish(Outcome::Unset);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Full(Envelope::Cast { message, .. })) => {
                let err = SendError::Full(message);
                span.finish(Outcome::error("mailbox_full", &err));
                Err(err)
            }
            Err(mpsc::error::TrySendError::Closed(Envelope::Cast { message, .. })) => {
                let err = SendError::NotRunning(message);
                span.finish(Outcome::error("not_running", &err));
                Err(err)
            }
            Err(_) => unreachable_envelope(),
        }
    }

    /// Sends a message to the actor's [`handle_info`](Actor::handle_info),
    /// waiting for room if the mailbox is full. Its handler span is a child
    /// of the sender's current span.
    pub async fn send_info(&self, message: A::Info) -> Result<(), SendError<A::Info>> {
        let cx = Context::current();
        self.tx
            .send(Envelope::Info { message, cx })
            .await
            .map_err(|e| match e.0 {
                Envelope::Info { message, .. } => SendError::NotRunning(message),
                _ => unreachable_envelope(),
            })
    }

    /// Asks the actor to stop with `reason` after the messages already in
    /// its mailbox, and waits until `terminate` has run.
    pub async fn stop(&self, reason: StopReason) -> Result<(), CallError> {
        let (done, stopped) = oneshot::channel();
        self.tx
            .send(Envelope::Stop {
                reason,
                done,
                cx: Context::current(),
            })
            .await
            .map_err(|_| CallError::NotRunning)?;
        stopped.await.map_err(|_| CallError::NotRunning)
    }

    /// Whether an instance of the actor is running now.
    pub fn is_running(&self) -> bool {
        self.shared.running.load(Ordering::Acquire)
    }

    /// Waits until the running instance stops (returns at once if none is
    /// running).
    pub async fn stopped(&self) {
        let mut stops = self.shared.stops.subscribe();
        if !self.is_running() {
            return;
        }
        let _ = stops.changed().await;
    }

    /// Registers this actor under `name`, replacing any earlier one; find it
    /// again with [`whereis`].
    pub fn register(&self, name: impl Into<String>) {
        registry::registry()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.into(), Box::new(self.clone()));
    }

    fn producer(&self, message: &A::Cast) -> (HandlerSpan, Context) {
        let meta = HandlerMeta {
            name: self.shared.cast_names.name_for(message),
            kind: SpanKind::Producer,
            sample: A::CAST_SAMPLE,
        };
        let mut span = HandlerSpan::start(&meta);
        record_message(&mut span, message);
        let cx = span.context().clone();
        (span, cx)
    }

    fn finish_send<M>(
        &self,
        span: HandlerSpan,
        sent: Result<(), Envelope<A>>,
        unwrap: impl FnOnce(Envelope<A>) -> M,
    ) -> Result<(), SendError<M>> {
        match sent {
            Ok(()) => {
                span.finish(Outcome::Unset);
                Ok(())
            }
            Err(envelope) => {
                let err = SendError::NotRunning(unwrap(envelope));
                span.finish(Outcome::error("not_running", &err));
                Err(err)
            }
        }
    }
}

// Each `ActorRef` method only ever gets back the envelope kind it sent.
fn unreachable_envelope() -> ! {
    unreachable!("a mailbox hands back the envelope that was sent")
}

/// A new actor's handle and the receiving end of its mailbox.
pub(crate) fn channel<A: Actor>(capacity: usize) -> (ActorRef<A>, mpsc::Receiver<Envelope<A>>) {
    let (tx, rx) = mpsc::channel(capacity);
    let shared = Arc::new(Shared {
        call_names: VariantNames::new(concat(super::behaviour::actor_name::<A>(), ".", "call")),
        cast_names: VariantNames::new(concat(super::behaviour::actor_name::<A>(), ".", "cast")),
        running: AtomicBool::new(false),
        stops: watch::channel(0).0,
    });
    (ActorRef { tx, shared }, rx)
}
