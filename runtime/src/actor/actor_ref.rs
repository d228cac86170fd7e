//! [`ActorRef`]: the handle through which callers reach a running actor,
//! with the client and producer spans of its calls and casts, and the
//! `Envelope` each request travels in through the actor's mailbox, with the
//! context of the span that sent it, so the handler's span continues the
//! caller's trace.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry::trace::SpanKind;
use tokio::sync::{mpsc, oneshot, watch};

use super::{Actor, CallError, SendError, StopReason};
use crate::message::VariantNames;
use crate::span::{SpanGuard, SpanMeta};
use crate::static_name::concat;
use crate::{Message, Outcome};

/// What a handler's reply is sent back through.
pub(crate) type ReplySender<A> = oneshot::Sender<Result<<A as Actor>::Reply, CallError>>;

/// A request in an actor's mailbox, with the context of the span that
/// sent it.
pub(crate) enum Envelope<A: Actor> {
    Call {
        message: A::Call,
        reply: ReplySender<A>,
        cx: Context,
    },
    Cast {
        message: A::Cast,
        cx: Context,
    },
    Info {
        message: A::Info,
        cx: Context,
    },
    Stop {
        reason: StopReason,
        done: oneshot::Sender<()>,
        cx: Context,
    },
}

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

fn record_message<M: Message>(span: &mut SpanGuard, message: &M) {
    if span.is_recording() {
        message.record_attributes(&mut |key, value| span.record(key, Some(value)));
    }
}

impl<A: Actor> ActorRef<A> {
    /// Sends a request and waits for the reply: until the actor answers,
    /// stops or panics, or for at most [`Actor::CALL_TIMEOUT`] if the actor
    /// sets one. Traced (see [`Actor::TRACED`]), it runs inside a CLIENT
    /// span `{name}.call {variant}`, the parent of the handler's span.
    ///
    /// # Examples
    ///
    /// ```
    /// use tracewire::actor::{self, Actor, ActorContext, NoMessage, StopReason};
    /// use tracewire::prelude::*;
    ///
    /// struct Echo;
    ///
    /// #[derive(Message)]
    /// enum EchoCall { Say(u32) }
    ///
    /// impl Actor for Echo {
    ///     type Args = ();
    ///     type Call = EchoCall;
    ///     type Reply = u32;
    ///     type Cast = NoMessage;
    ///     type Info = NoMessage;
    ///
    ///     async fn init(_: ()) -> Result<Self, StopReason> {
    ///         Ok(Echo)
    ///     }
    ///
    ///     async fn handle_call(&mut self, msg: EchoCall, _: &mut ActorContext<Self>) -> u32 {
    ///         let EchoCall::Say(n) = msg;
    ///         n
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let echo = actor::spawn::<Echo>(()).await.unwrap();
    /// assert_eq!(echo.call(EchoCall::Say(7)).await, Ok(7));
    /// # }
    /// ```
    pub async fn call(&self, message: A::Call) -> Result<A::Reply, CallError> {
        self.call_within(message, A::CALL_TIMEOUT).await
    }

    /// Sends a request and waits up to `timeout` for the reply (GenServer's
    /// `call/3`). On timeout the call returns [`CallError::Timeout`] and,
    /// traced, its client span gets status Error and
    /// `error.type = "timeout"`; the request may still be handled.
    pub async fn call_timeout(
        &self,
        message: A::Call,
        timeout: Duration,
    ) -> Result<A::Reply, CallError> {
        self.call_within(message, Some(timeout)).await
    }

    async fn call_within(
        &self,
        message: A::Call,
        timeout: Option<Duration>,
    ) -> Result<A::Reply, CallError> {
        let (span, cx) = self.send_span(
            &self.shared.call_names,
            SpanKind::Client,
            A::CALL_SAMPLE,
            &message,
        );
        let result = within(timeout, self.exchange(message, cx)).await;
        ended(span, result, CallError::error_type)
    }

    /// Puts a call in the mailbox with the caller's context `cx` and waits
    /// for its answer.
    async fn exchange(&self, message: A::Call, cx: Context) -> Result<A::Reply, CallError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Envelope::Call { message, reply, cx })
            .await
            .map_err(|_| CallError::NotRunning)?;
        answer.await.map_err(|_| CallError::NotRunning)?
    }

    /// Puts a request in the mailbox, waiting for room if it is full.
    /// Traced (see [`Actor::TRACED`]), it runs inside a PRODUCER span
    /// `{name}.cast {variant}`, the parent of the handler's span.
    pub async fn cast(&self, message: A::Cast) -> Result<(), SendError<A::Cast>> {
        let (span, cx) = self.producer(&message);
        let sent = self.tx.send(Envelope::Cast { message, cx }).await;
        let sent = sent.map_err(|refused| SendError::NotRunning(cast_message(refused.0)));
        ended(span, sent, SendError::error_type)
    }

    /// Puts a request in the mailbox if there is room now.
    pub fn try_cast(&self, message: A::Cast) -> Result<(), SendError<A::Cast>> {
        let (span, cx) = self.producer(&message);
        let sent = self
            .tx
            .try_send(Envelope::Cast { message, cx })
            .map_err(refused_cast);
        ended(span, sent, SendError::error_type)
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

    /// A cast's PRODUCER span and the context the cast carries.
    fn producer(&self, message: &A::Cast) -> (Option<SpanGuard>, Context) {
        self.send_span(
            &self.shared.cast_names,
            SpanKind::Producer,
            A::CAST_SAMPLE,
            message,
        )
    }

    /// The CLIENT or PRODUCER span of a message a traced actor is sent
    /// (none for an untraced one), and the context the message carries: the
    /// span's, or the caller's when there is no span. The span is open
    /// around the send, which runs no user code, so it is never current.
    fn send_span<M: Message>(
        &self,
        names: &VariantNames,
        kind: SpanKind,
        sample: Option<f64>,
        message: &M,
    ) -> (Option<SpanGuard>, Context) {
        if !A::TRACED {
            return (None, Context::current());
        }
        let meta = SpanMeta {
            name: names.name_for(message),
            kind,
            sample,
        };
        let mut span = SpanGuard::start_send(&meta);
        record_message(&mut span, message);
        let cx = span.context_to_send();
        (Some(span), cx)
    }
}

/// Ends a send span, if there is one, with the send's outcome, and hands
/// the outcome on.
fn ended<T, E: fmt::Display>(
    span: Option<SpanGuard>,
    result: Result<T, E>,
    error_type: fn(&E) -> &'static str,
) -> Result<T, E> {
    if let Some(span) = span {
        match &result {
            Ok(_) => span.finish(Outcome::Unset),
            Err(e) => span.finish(Outcome::error(error_type(e), e)),
        }
    }
    result
}

// Each `ActorRef` method only ever gets back the envelope kind it sent.
fn unreachable_envelope() -> ! {
    unreachable!("a mailbox hands back the envelope that was sent")
}

/// The cast a refused send hands back.
fn cast_message<A: Actor>(envelope: Envelope<A>) -> A::Cast {
    match envelope {
        Envelope::Cast { message, .. } => message,
        _ => unreachable_envelope(),
    }
}

fn refused_cast<A: Actor>(refused: mpsc::error::TrySendError<Envelope<A>>) -> SendError<A::Cast> {
    match refused {
        mpsc::error::TrySendError::Full(envelope) => SendError::Full(cast_message(envelope)),
        mpsc::error::TrySendError::Closed(envelope) => {
            SendError::NotRunning(cast_message(envelope))
        }
    }
}

/// `exchange`, bounded by `timeout` if there is one. No timer is made
/// without one: a timer per call costs more than the call.
async fn within<R>(
    timeout: Option<Duration>,
    exchange: impl Future<Output = Result<R, CallError>>,
) -> Result<R, CallError> {
    match timeout {
        None => exchange.await,
        Some(timeout) => tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(CallError::Timeout(timeout))),
    }
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
