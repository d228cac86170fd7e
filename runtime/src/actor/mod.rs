//! A GenServer-style actor runtime on tokio, traced end to end.
//!
//! An [`Actor`] owns its state and handles one message at a time:
//!
//! | GenServer | here | span (with `#[traced_actor]`) |
//! | --- | --- | --- |
//! | `init/1` | [`Actor::init`] | `{name}.init` |
//! | `handle_call/3` | [`Actor::handle_call`], answered by its return value | client `{name}.call {variant}` (CLIENT) → `{name}.handle_call {variant}` (SERVER) |
//! | `handle_cast/2` | [`Actor::handle_cast`] | `{name}.cast {variant}` (PRODUCER) → `{name}.handle_cast {variant}` (CONSUMER) |
//! | `handle_info/2` | [`Actor::handle_info`], for timers and messages to self | `{name}.handle_info {variant}` (CONSUMER) |
//! | `terminate/2` | [`Actor::terminate`] with a [`StopReason`] | `{name}.terminate` |
//!
//! The caller's span continues through the mailbox: each envelope carries
//! the context of the client or producer span that sent it, and the runtime
//! makes it current while the handler runs. A cast's handler span is a
//! *child* of its producer span: a GenServer cast is one step of the
//! caller's work, so one trace shows it whole. A timer message
//! ([`ActorContext::send_after`]) starts a new trace *linked* to the span
//! that scheduled it, so periodic work does not grow one endless trace.
//!
//! # Mailbox and backpressure
//!
//! The mailbox is a bounded queue ([`DEFAULT_MAILBOX`] messages unless
//! [`Spawn::mailbox`] says otherwise). When it is full, [`ActorRef::call`],
//! [`ActorRef::cast`] and [`ActorRef::send_info`] wait for room, which slows
//! producers down to the actor's pace; [`ActorRef::try_cast`] returns
//! [`SendError::Full`] instead of waiting. Messages are never dropped
//! silently.
//!
//! # Failures
//!
//! A panic in a handler is recorded on the handler span, the caller of a
//! `call` gets [`CallError::Panicked`] (never a hang), `terminate` runs with
//! [`StopReason::Panic`], and the actor stops. Under a
//! [`Supervisor`](supervisor::Supervisor) it is then restarted with the same
//! mailbox, so every [`ActorRef`] keeps working.

pub mod supervisor;
pub mod task;

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{SpanKind, TraceContextExt as _};
use tokio::sync::{mpsc, oneshot, watch};

use crate::message::{Message, VariantNames, concat};
use crate::outcome::Outcome;
use crate::span::{HandlerMeta, HandlerSpan, LinkTo};

/// Mailbox capacity unless [`Spawn::mailbox`] sets another.
pub const DEFAULT_MAILBOX: usize = 1024;

/// How long [`ActorRef::call`] waits for a reply, as GenServer's default.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A message type for actors that take no messages of a kind (for example
/// `type Info = NoMessage;`). It has no values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoMessage {}

impl Message for NoMessage {
    const VARIANTS: &'static [&'static str] = &[];
    fn variant_index(&self) -> usize {
        match *self {}
    }
}

/// A GenServer-style actor. See the module documentation.
///
/// The name used in client-side span names is [`NAME`](Self::NAME); on a
/// `#[traced_actor]` impl it is set for you (the snake_case type name, or
/// `name = ".."`), so client and server spans agree.
///
/// # Examples
///
/// ```
/// use tracewire::actor::{self, Actor, ActorContext, NoMessage, StopReason};
/// use tracewire::prelude::*;
///
/// struct Counter(u64);
///
/// #[derive(Message)]
/// enum CounterCall { Get }
///
/// #[derive(Message, Debug)]
/// enum CounterCast { Add(u64) }
///
/// #[traced_actor]
/// impl Actor for Counter {
///     type Args = u64;
///     type Call = CounterCall;
///     type Reply = u64;
///     type Cast = CounterCast;
///     type Info = NoMessage;
///
///     async fn init(start: u64) -> Result<Self, StopReason> {
///         Ok(Counter(start))
///     }
///
///     async fn handle_call(&mut self, _msg: CounterCall, _ctx: &mut ActorContext<Self>) -> u64 {
///         self.0
///     }
///
///     async fn handle_cast(&mut self, msg: CounterCast, _ctx: &mut ActorContext<Self>) {
///         let CounterCast::Add(n) = msg;
///         self.0 += n;
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let counter = actor::spawn::<Counter>(1).await.unwrap();
/// counter.cast(CounterCast::Add(2)).await.unwrap();
/// assert_eq!(counter.call(CounterCall::Get).await.unwrap(), 3);
/// # }
/// ```
pub trait Actor: Sized + Send + 'static {
    /// What [`init`](Self::init) is given. Supervised actors are restarted
    /// with a clone of it.
    type Args: Send + 'static;
    /// Requests that get a reply.
    type Call: Message + Send + 'static;
    /// The reply to a [`Call`](Self::Call).
    type Reply: Send + 'static;
    /// Fire-and-forget requests.
    type Cast: Message + Send + 'static;
    /// Messages to self: timers and other notifications.
    type Info: Message + Send + 'static;

    /// The actor's name in span names.
    const NAME: &'static str = "actor";

    /// Head-sampling rate for calls, decided on the client span so that the
    /// caller's and the handler's spans are kept or dropped together.
    /// `#[traced_actor]` sets it from `sample = ..` on `handle_call` (or on
    /// the impl).
    const CALL_SAMPLE: Option<f64> = None;

    /// Head-sampling rate for casts, decided on the producer span;
    /// `#[traced_actor]` sets it from `sample = ..` on `handle_cast` (or on
    /// the impl).
    const CAST_SAMPLE: Option<f64> = None;

    /// Builds the actor's state. An `Err` stops it before it handles
    /// anything (GenServer's `{:stop, reason}`).
    fn init(args: Self::Args) -> impl Future<Output = Result<Self, StopReason>> + Send;

    /// Handles a request and returns the reply.
    fn handle_call(
        &mut self,
        message: Self::Call,
        ctx: &mut ActorContext<Self>,
    ) -> impl Future<Output = Self::Reply> + Send;

    /// Handles a fire-and-forget request.
    fn handle_cast(
        &mut self,
        message: Self::Cast,
        ctx: &mut ActorContext<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (message, ctx);
        async {}
    }

    /// Handles a message to self.
    fn handle_info(
        &mut self,
        message: Self::Info,
        ctx: &mut ActorContext<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (message, ctx);
        async {}
    }

    /// Runs once when the actor stops, whatever the reason.
    fn terminate(&mut self, reason: &StopReason) -> impl Future<Output = ()> + Send {
        let _ = reason;
        async {}
    }
}

/// Why an actor stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Asked to stop, or every [`ActorRef`] was dropped.
    Normal,
    /// Stopped by its supervisor.
    Shutdown,
    /// A handler panicked, with the panic message.
    Panic(String),
    /// Stopped with an error: an `init` that failed, or
    /// [`ActorContext::stop`] with an error reason.
    Error(String),
}

impl StopReason {
    /// Whether this is a normal exit (`Normal` or `Shutdown`), after which
    /// a transient child is not restarted.
    pub fn is_normal(&self) -> bool {
        matches!(self, StopReason::Normal | StopReason::Shutdown)
    }

    /// An error reason from anything displayable.
    pub fn error(reason: impl fmt::Display) -> Self {
        StopReason::Error(reason.to_string())
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Normal => f.write_str("normal"),
            StopReason::Shutdown => f.write_str("shutdown"),
            StopReason::Panic(m) => write!(f, "panic: {m}"),
            StopReason::Error(m) => write!(f, "error: {m}"),
        }
    }
}

impl std::error::Error for StopReason {}

/// An `init` that returns `Err(StopReason::Normal)` declined to start, which
/// is not a failure; a panic or an error is, with `error.type` `panic` or
/// `error`.
impl crate::SpanOutcome for StopReason {
    fn span_outcome(&self) -> Outcome<'_> {
        match self {
            StopReason::Normal | StopReason::Shutdown => Outcome::Unset,
            StopReason::Panic(_) => Outcome::error("panic", self),
            StopReason::Error(_) => Outcome::error("error", self),
        }
    }
}

impl crate::AttributeValue for StopReason {
    fn attribute_value(&self) -> Option<opentelemetry::Value> {
        Some(self.to_string().into())
    }
}

/// Why a call got no reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// No reply within the timeout. The request may still be handled.
    Timeout(Duration),
    /// The actor is not running (stopped, or its mailbox is closed).
    NotRunning,
    /// The handler panicked, with the panic message.
    Panicked(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout(d) => write!(f, "call timed out after {d:?}"),
            CallError::NotRunning => f.write_str("actor is not running"),
            CallError::Panicked(m) => write!(f, "handler panicked: {m}"),
        }
    }
}

impl std::error::Error for CallError {}

impl CallError {
    /// The `error.type` recorded on the client span.
    pub fn error_type(&self) -> &'static str {
        match self {
            CallError::Timeout(_) => "timeout",
            CallError::NotRunning => "not_running",
            CallError::Panicked(_) => "panic",
        }
    }
}

impl crate::SpanOutcome for CallError {
    fn span_outcome(&self) -> Outcome<'_> {
        Outcome::error(self.error_type(), self)
    }
}

/// Why a message could not be put in the mailbox.
#[derive(Debug, PartialEq, Eq)]
pub enum SendError<M> {
    /// The mailbox is full (only from [`ActorRef::try_cast`]); the message
    /// is handed back.
    Full(M),
    /// The actor is not running; the message is handed back.
    NotRunning(M),
}

impl<M> fmt::Display for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Full(_) => f.write_str("mailbox is full"),
            SendError::NotRunning(_) => f.write_str("actor is not running"),
        }
    }
}

impl<M: fmt::Debug> std::error::Error for SendError<M> {}

type Reply<A> = oneshot::Sender<Result<<A as Actor>::Reply, CallError>>;

pub(crate) enum Envelope<A: Actor> {
    Call {
        message: A::Call,
        reply: Reply<A>,
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
struct Shared {
    /// Client span names (`user_cache.call get_user`), joined once per
    /// variant and then read with an atomic load.
    call_names: VariantNames,
    cast_names: VariantNames,
    running: AtomicBool,
    /// Bumped each time an instance stops; `stopped()` waits on it.
    stops: watch::Sender<u64>,
}

/// A handle to a running actor: cheap to clone, valid across supervised
/// restarts.
pub struct ActorRef<A: Actor> {
    tx: mpsc::Sender<Envelope<A>>,
    shared: Arc<Shared>,
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
            .field("actor", &A::NAME)
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
        registry()
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

type Registry = Mutex<HashMap<String, Box<dyn Any + Send>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The actor registered under `name` with [`ActorRef::register`], if it is
/// of type `A` and running.
pub fn whereis<A: Actor>(name: &str) -> Option<ActorRef<A>> {
    let registry = registry().lock().unwrap_or_else(|e| e.into_inner());
    registry
        .get(name)
        .and_then(|r| r.downcast_ref::<ActorRef<A>>())
        .filter(|r| r.is_running())
        .cloned()
}

/// What a handler can do besides replying: stop the actor, schedule
/// messages to itself, reach its own [`ActorRef`].
pub struct ActorContext<A: Actor> {
    myself: ActorRef<A>,
    stop: Option<StopReason>,
}

impl<A: Actor> ActorContext<A> {
    /// The actor's own handle.
    pub fn myself(&self) -> &ActorRef<A> {
        &self.myself
    }

    /// Stops the actor once the current handler returns (GenServer's
    /// `{:stop, reason, ...}`).
    pub fn stop(&mut self, reason: StopReason) {
        self.stop = Some(reason);
    }

    /// Delivers `message` to [`handle_info`](Actor::handle_info) after
    /// `delay`. Its handler span starts a new trace linked to the span
    /// current now.
    pub fn send_after(&self, message: A::Info, delay: Duration) {
        let link = Context::current().span().span_context().clone();
        let cx = if link.is_valid() {
            Context::new().with_value(LinkTo(link))
        } else {
            Context::new()
        };
        let tx = self.myself.tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            // The actor may have stopped meanwhile; then there is no one to
            // tell.
            let _ = tx.send(Envelope::Info { message, cx }).await;
        });
    }
}

/// Options for starting an actor; see [`spawn`] for the defaults.
pub struct Spawn<A: Actor> {
    args: A::Args,
    mailbox: usize,
}

impl<A: Actor> Spawn<A> {
    /// Starts with `args` and a mailbox of [`DEFAULT_MAILBOX`].
    pub fn new(args: A::Args) -> Self {
        Spawn {
            args,
            mailbox: DEFAULT_MAILBOX,
        }
    }

    /// Sets the mailbox capacity (at least 1).
    pub fn mailbox(mut self, capacity: usize) -> Self {
        self.mailbox = capacity.max(1);
        self
    }

    /// Runs `init` and, if it succeeds, the actor on its own task.
    pub async fn start(self) -> Result<ActorRef<A>, StopReason> {
        let (actor_ref, mailbox) = channel::<A>(self.mailbox);
        let mut runner = Runner {
            mailbox,
            myself: actor_ref.clone(),
        };
        let (started, ready) = oneshot::channel();
        let args = self.args;
        crate::spawn(async move {
            runner.run(args, Some(started), &mut Control::none()).await;
        });
        match ready.await {
            Ok(Ok(())) => Ok(actor_ref),
            Ok(Err(reason)) => Err(reason),
            Err(_) => Err(StopReason::Panic("init panicked".into())),
        }
    }
}

/// Starts an actor outside any supervisor and waits until its `init` has
/// returned (like `GenServer.start_link`).
pub async fn spawn<A: Actor>(args: A::Args) -> Result<ActorRef<A>, StopReason> {
    Spawn::new(args).start().await
}

fn channel<A: Actor>(capacity: usize) -> (ActorRef<A>, mpsc::Receiver<Envelope<A>>) {
    let (tx, rx) = mpsc::channel(capacity);
    let shared = Arc::new(Shared {
        call_names: VariantNames::new(concat(A::NAME, ".", "call")),
        cast_names: VariantNames::new(concat(A::NAME, ".", "cast")),
        running: AtomicBool::new(false),
        stops: watch::channel(0).0,
    });
    (ActorRef { tx, shared }, rx)
}

/// Supervisor commands that interrupt an instance between messages.
pub(crate) struct Control {
    rx: Option<mpsc::UnboundedReceiver<(StopReason, Context)>>,
}

impl Control {
    pub(crate) fn none() -> Self {
        Control { rx: None }
    }

    /// The next stop request and the context of whoever made it.
    async fn next(&mut self) -> (StopReason, Context) {
        match self.rx.as_mut() {
            Some(rx) => rx
                .recv()
                .await
                .unwrap_or((StopReason::Shutdown, Context::new())),
            None => std::future::pending().await,
        }
    }
}

/// Runs instances of one actor on one mailbox, one after another.
pub(crate) struct Runner<A: Actor> {
    mailbox: mpsc::Receiver<Envelope<A>>,
    myself: ActorRef<A>,
}

impl<A: Actor> Runner<A> {
    /// Runs one instance from `init` to `terminate` and says why it stopped.
    pub(crate) async fn run(
        &mut self,
        args: A::Args,
        started: Option<oneshot::Sender<Result<(), StopReason>>>,
        control: &mut Control,
    ) -> StopReason {
        let mut actor = match CatchUnwind(A::init(args)).await {
            Ok(Ok(actor)) => actor,
            Ok(Err(reason)) => {
                if let Some(started) = started {
                    let _ = started.send(Err(reason.clone()));
                }
                return reason;
            }
            Err(panic) => {
                let reason = StopReason::Panic(panic);
                if let Some(started) = started {
                    let _ = started.send(Err(reason.clone()));
                }
                return reason;
            }
        };
        self.myself.shared.running.store(true, Ordering::Release);
        if let Some(started) = started {
            let _ = started.send(Ok(()));
        }
        let mut ctx = ActorContext {
            myself: self.myself.clone(),
            stop: None,
        };
        let Stopped { reason, done, cx } = self.serve(&mut actor, &mut ctx, control).await;
        // `terminate` runs under whoever caused the stop: the caller of
        // `stop`, the handler that panicked or stopped, the supervisor.
        // It may panic too; the actor is stopping either way.
        let _ = CatchUnwind(actor.terminate(&reason).with_context(cx)).await;
        self.myself.shared.running.store(false, Ordering::Release);
        self.myself.shared.stops.send_modify(|n| *n += 1);
        if let Some(done) = done {
            let _ = done.send(());
        }
        reason
    }

    async fn serve(
        &mut self,
        actor: &mut A,
        ctx: &mut ActorContext<A>,
        control: &mut Control,
    ) -> Stopped {
        loop {
            let envelope = tokio::select! {
                biased;
                (reason, cx) = control.next() => return Stopped::new(reason, cx),
                envelope = self.mailbox.recv() => envelope,
            };
            // Every handle dropped: nobody can send again.
            let Some(envelope) = envelope else {
                return Stopped::new(StopReason::Normal, Context::new());
            };
            let (handled, cx) = match envelope {
                Envelope::Call { message, reply, cx } => {
                    let handled =
                        match CatchUnwind(actor.handle_call(message, ctx).with_context(cx.clone()))
                            .await
                        {
                            Ok(value) => {
                                // The caller may have timed out and left.
                                let _ = reply.send(Ok(value));
                                Ok(())
                            }
                            Err(panic) => {
                                let _ = reply.send(Err(CallError::Panicked(panic.clone())));
                                Err(panic)
                            }
                        };
                    (handled, cx)
                }
                Envelope::Cast { message, cx } => (
                    CatchUnwind(actor.handle_cast(message, ctx).with_context(cx.clone())).await,
                    cx,
                ),
                Envelope::Info { message, cx } => (
                    CatchUnwind(actor.handle_info(message, ctx).with_context(cx.clone())).await,
                    cx,
                ),
                Envelope::Stop { reason, done, cx } => {
                    return Stopped {
                        reason,
                        done: Some(done),
                        cx,
                    };
                }
            };
            if let Err(panic) = handled {
                return Stopped::new(StopReason::Panic(panic), cx);
            }
            if let Some(reason) = ctx.stop.take() {
                return Stopped::new(reason, cx);
            }
        }
    }
}

/// Why and at whose request an instance stopped serving.
struct Stopped {
    reason: StopReason,
    /// Who waits for `terminate` to finish, after `ActorRef::stop`.
    done: Option<oneshot::Sender<()>>,
    cx: Context,
}

impl Stopped {
    fn new(reason: StopReason, cx: Context) -> Self {
        Stopped {
            reason,
            done: None,
            cx,
        }
    }
}

/// Polls a future, turning a panic into `Err(message)`. The handler's own
/// span has already recorded the panic by then.
struct CatchUnwind<F>(F);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, String>;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        // SAFETY: the inner future is structurally pinned and never moved.
        let future = unsafe { self.map_unchecked_mut(|s| &mut s.0) };
        match catch_unwind(AssertUnwindSafe(|| future.poll(task))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_message(payload))),
        }
    }
}

pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            // A payload that is not a message: name its kind instead.
            Err(_) => "Box<dyn Any>".to_owned(),
        },
    }
}
