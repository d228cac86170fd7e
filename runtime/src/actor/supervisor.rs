//! Supervisors: restart actors that stop, by strategy, within a restart
//! intensity.
//!
//! - [`Strategy::OneForOne`]: only the child that stopped is restarted.
//! - [`Strategy::OneForAll`]: every other child is shut down (its
//!   `terminate` runs with [`StopReason::Shutdown`]) and all are restarted,
//!   in the order they were given.
//!
//! A child's [`Restart`] policy says which stops lead to a restart. More than
//! `max_restarts` restarts within `period` means restarting does not help:
//! the supervisor then shuts every child down and stops with an error, as
//! OTP's restart intensity does.
//!
//! A restarted actor keeps its mailbox, so its [`ActorRef`] stays valid and
//! messages already queued are handled by the new instance. Each restart is
//! a span `{supervisor}.restart` (with `child.name`, `restart.reason`,
//! `restart.count` and `supervisor.strategy`), and the new instance's `init`
//! span is its child.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry::context::FutureExt as _;
use tokio::sync::{mpsc, oneshot, watch};

use super::runner::{Control, Runner};
use super::{Actor, ActorRef, DEFAULT_MAILBOX, StopReason};
use crate::outcome::Outcome;
use crate::span::{SpanGuard, SpanMeta};
use crate::static_name::concat;

/// Which children restart when one stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Restart only the child that stopped.
    OneForOne,
    /// Shut the others down and restart all of them.
    OneForAll,
}

impl Strategy {
    fn as_str(self) -> &'static str {
        match self {
            Strategy::OneForOne => "one_for_one",
            Strategy::OneForAll => "one_for_all",
        }
    }
}

/// When a child is restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Restart {
    /// Always (the default).
    #[default]
    Permanent,
    /// Only after an abnormal stop (a panic or an error).
    Transient,
    /// Never.
    Temporary,
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One supervised actor, type-erased.
trait Child: Send {
    fn run<'a>(
        &'a mut self,
        started: oneshot::Sender<Result<(), StopReason>>,
        control: &'a mut Control,
    ) -> BoxFuture<'a, StopReason>;
}

struct ActorChild<A: Actor> {
    args: A::Args,
    runner: Runner<A>,
}

impl<A: Actor> Child for ActorChild<A>
where
    A::Args: Clone + Sync,
{
    fn run<'a>(
        &'a mut self,
        started: oneshot::Sender<Result<(), StopReason>>,
        control: &'a mut Control,
    ) -> BoxFuture<'a, StopReason> {
        let args = self.args.clone();
        Box::pin(self.runner.run(args, Some(started), control))
    }
}

/// A child of a supervisor: an actor type, its start arguments and its
/// restart policy.
pub struct ChildSpec {
    name: &'static str,
    restart: Restart,
    child: Box<dyn Child>,
}

impl ChildSpec {
    /// A child running actor `A` started with `args` (cloned for each
    /// restart), and the handle to reach it, valid across restarts.
    pub fn actor<A: Actor>(args: A::Args) -> (ChildSpec, ActorRef<A>)
    where
        A::Args: Clone + Sync,
    {
        Self::actor_with_mailbox::<A>(args, DEFAULT_MAILBOX)
    }

    /// As [`actor`](Self::actor), with a mailbox of `capacity`.
    pub fn actor_with_mailbox<A: Actor>(args: A::Args, capacity: usize) -> (ChildSpec, ActorRef<A>)
    where
        A::Args: Clone + Sync,
    {
        let (actor_ref, runner) = Runner::with_mailbox(capacity.max(1));
        let spec = ChildSpec {
            name: super::behaviour::actor_name::<A>(),
            restart: Restart::Permanent,
            child: Box::new(ActorChild { args, runner }),
        };
        (spec, actor_ref)
    }

    /// Sets the restart policy.
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }
}

/// Builds and starts a supervisor. See the module documentation.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tracewire::actor::supervisor::{ChildSpec, Strategy, Supervisor};
/// use tracewire::actor::{Actor, ActorContext, NoMessage, StopReason};
///
/// struct Echo;
///
/// impl Actor for Echo {
///     type Args = ();
///     type Call = NoMessage;
///     type Reply = ();
///     type Cast = NoMessage;
///     type Info = NoMessage;
///     async fn init(_: ()) -> Result<Self, StopReason> { Ok(Echo) }
///     async fn handle_call(&mut self, m: NoMessage, _: &mut ActorContext<Self>) { match m {} }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (spec, echo) = ChildSpec::actor::<Echo>(());
/// let supervisor = Supervisor::builder("app")
///     .strategy(Strategy::OneForOne)
///     .intensity(3, Duration::from_secs(5))
///     .child(spec)
///     .start()
///     .await
///     .unwrap();
/// assert!(echo.is_running());
/// supervisor.shutdown().await;
/// assert!(!echo.is_running());
/// # }
/// ```
pub struct Supervisor;

impl Supervisor {
    /// A supervisor named `name` (used in span names), one_for_one, with an
    /// intensity of 3 restarts in 5 seconds (OTP's defaults).
    pub fn builder(name: &'static str) -> SupervisorBuilder {
        SupervisorBuilder {
            name,
            strategy: Strategy::OneForOne,
            max_restarts: 3,
            period: Duration::from_secs(5),
            children: Vec::new(),
        }
    }
}

/// See [`Supervisor::builder`].
pub struct SupervisorBuilder {
    name: &'static str,
    strategy: Strategy,
    max_restarts: u32,
    period: Duration,
    children: Vec<ChildSpec>,
}

impl SupervisorBuilder {
    /// Sets the restart strategy.
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Allows at most `max_restarts` restarts within `period`.
    pub fn intensity(mut self, max_restarts: u32, period: Duration) -> Self {
        self.max_restarts = max_restarts;
        self.period = period;
        self
    }

    /// Adds a child; children start in the order they are added.
    pub fn child(mut self, spec: ChildSpec) -> Self {
        self.children.push(spec);
        self
    }

    /// Starts every child in order, each `init` finishing before the next
    /// starts, inside a span `{name}.start` that the `init` spans are
    /// children of. If one fails, the ones already started are shut down and
    /// its reason is returned.
    pub async fn start(self) -> Result<SupervisorRef, StopReason> {
        let mut span = SpanGuard::start(&SpanMeta::internal(concat(self.name, ".", "start")));
        let started = span.instrument(self.start_children()).await;
        match &started {
            Ok(_) => span.finish(Outcome::Unset),
            Err(reason) => span.finish(Outcome::error("start_failed", reason)),
        }
        started
    }

    async fn start_children(self) -> Result<SupervisorRef, StopReason> {
        let (exits_tx, exits_rx) = mpsc::unbounded_channel();
        let mut slots = Vec::with_capacity(self.children.len());
        for (index, spec) in self.children.into_iter().enumerate() {
            let (control_tx, control_rx) = mpsc::unbounded_channel();
            let (command_tx, command_rx) = mpsc::unbounded_channel();
            let (started, ready) = oneshot::channel();
            crate::spawn(child_loop(
                index,
                spec.child,
                Control::from(control_rx),
                command_rx,
                exits_tx.clone(),
                started,
            ));
            let slot = Slot {
                name: spec.name,
                restart: spec.restart,
                control: control_tx,
                commands: command_tx,
                running: true,
            };
            match ready.await {
                Ok(Ok(())) => slots.push(slot),
                failed => {
                    let reason = match failed {
                        Ok(Err(reason)) => reason,
                        _ => StopReason::Panic("init panicked".into()),
                    };
                    let _ = slot.commands.send(Command::Exit);
                    shutdown_all(&mut slots, &mut ExitWaiter::new(exits_rx)).await;
                    return Err(reason);
                }
            }
        }
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (done_tx, done) = watch::channel(None);
        let restarts = Arc::new(AtomicU64::new(0));
        let state = SupervisorState {
            name: self.name,
            strategy: self.strategy,
            max_restarts: self.max_restarts,
            period: self.period,
            slots,
            history: VecDeque::new(),
            restarts: restarts.clone(),
        };
        tokio::spawn(state.run(ExitWaiter::new(exits_rx), command_rx, done_tx));
        Ok(SupervisorRef {
            commands,
            done,
            restarts,
        })
    }
}

/// A running supervisor.
pub struct SupervisorRef {
    commands: mpsc::UnboundedSender<(oneshot::Sender<()>, Context)>,
    done: watch::Receiver<Option<Result<(), StopReason>>>,
    restarts: Arc<AtomicU64>,
}

impl fmt::Debug for SupervisorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupervisorRef")
            .field("restarts", &self.restarts())
            .finish()
    }
}

impl SupervisorRef {
    /// How many restarts the supervisor has made.
    pub fn restarts(&self) -> u64 {
        self.restarts.load(Ordering::Acquire)
    }

    /// Shuts every child down, last started first, and waits for them,
    /// inside a span `{name}.shutdown` under the caller's current span.
    pub async fn shutdown(self) {
        let (ack, acked) = oneshot::channel();
        if self.commands.send((ack, Context::current())).is_ok() {
            let _ = acked.await;
        }
    }

    /// Waits until the supervisor stops: `Ok` after [`shutdown`](Self::shutdown),
    /// `Err` when its restart intensity was exceeded.
    pub async fn wait(&self) -> Result<(), StopReason> {
        let mut done = self.done.clone();
        loop {
            if let Some(result) = done.borrow_and_update().clone() {
                return result;
            }
            if done.changed().await.is_err() {
                return Err(StopReason::error("supervisor task ended"));
            }
        }
    }
}

enum Command {
    Restart(Context),
    Exit,
}

struct Slot {
    name: &'static str,
    restart: Restart,
    control: mpsc::UnboundedSender<(StopReason, Context)>,
    commands: mpsc::UnboundedSender<Command>,
    running: bool,
}

async fn child_loop(
    index: usize,
    mut child: Box<dyn Child>,
    mut control: Control,
    mut commands: mpsc::UnboundedReceiver<Command>,
    exits: mpsc::UnboundedSender<(usize, StopReason)>,
    first_start: oneshot::Sender<Result<(), StopReason>>,
) {
    let mut started = first_start;
    let mut cx = Context::current();
    loop {
        let reason = child.run(started, &mut control).with_context(cx).await;
        if exits.send((index, reason)).is_err() {
            return;
        }
        match commands.recv().await {
            Some(Command::Restart(restart_cx)) => {
                cx = restart_cx;
                // Only the first start is awaited by anyone.
                started = oneshot::channel().0;
            }
            Some(Command::Exit) | None => return,
        }
    }
}

struct ExitWaiter {
    exits: mpsc::UnboundedReceiver<(usize, StopReason)>,
}

impl ExitWaiter {
    fn new(exits: mpsc::UnboundedReceiver<(usize, StopReason)>) -> Self {
        ExitWaiter { exits }
    }

    async fn next(&mut self) -> Option<(usize, StopReason)> {
        self.exits.recv().await
    }
}

/// Stops every running child, last first, and tells all to exit. Their
/// `terminate` spans are children of the current span.
async fn shutdown_all(slots: &mut [Slot], exits: &mut ExitWaiter) {
    let cx = Context::current();
    for index in (0..slots.len()).rev() {
        if slots[index].running
            && slots[index]
                .control
                .send((StopReason::Shutdown, cx.clone()))
                .is_ok()
        {
            while let Some((stopped, _)) = exits.next().await {
                slots[stopped].running = false;
                if stopped == index {
                    break;
                }
            }
        }
        slots[index].running = false;
        let _ = slots[index].commands.send(Command::Exit);
    }
}

struct SupervisorState {
    name: &'static str,
    strategy: Strategy,
    max_restarts: u32,
    period: Duration,
    slots: Vec<Slot>,
    history: VecDeque<Instant>,
    restarts: Arc<AtomicU64>,
}

impl SupervisorState {
    async fn run(
        mut self,
        mut exits: ExitWaiter,
        mut commands: mpsc::UnboundedReceiver<(oneshot::Sender<()>, Context)>,
        done: watch::Sender<Option<Result<(), StopReason>>>,
    ) {
        let result = loop {
            tokio::select! {
                command = commands.recv() => {
                    let (ack, cx) = command.map_or((None, Context::new()), |(a, cx)| (Some(a), cx));
                    let mut span = SpanGuard::start_with_parent(
                        &SpanMeta::internal(concat(self.name, ".", "shutdown")),
                        cx,
                    );
                    span.instrument(shutdown_all(&mut self.slots, &mut exits)).await;
                    span.finish(Outcome::Unset);
                    if let Some(ack) = ack {
                        let _ = ack.send(());
                    }
                    break Ok(());
                }
                exit = exits.next() => {
                    let Some((index, reason)) = exit else { break Ok(()) };
                    if let Err(reason) = self.on_exit(index, reason, &mut exits).await {
                        shutdown_all(&mut self.slots, &mut exits).await;
                        break Err(reason);
                    }
                }
            }
        };
        let _ = done.send(Some(result));
    }

    async fn on_exit(
        &mut self,
        index: usize,
        reason: StopReason,
        exits: &mut ExitWaiter,
    ) -> Result<(), StopReason> {
        self.slots[index].running = false;
        let wanted = match self.slots[index].restart {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_normal(),
            Restart::Temporary => false,
        };
        if !wanted {
            let _ = self.slots[index].commands.send(Command::Exit);
            return Ok(());
        }
        let now = Instant::now();
        self.history.push_back(now);
        while self
            .history
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.period)
        {
            self.history.pop_front();
        }
        let count = self.restarts.fetch_add(1, Ordering::AcqRel) + 1;
        let mut span = SpanGuard::start(&SpanMeta::internal(concat(self.name, ".", "restart")));
        if span.is_recording() {
            span.record("supervisor.strategy", Some(self.strategy.as_str().into()));
            span.record("child.name", Some(self.slots[index].name.into()));
            span.record("restart.reason", Some(reason.to_string().into()));
            span.record("restart.count", Some((count as i64).into()));
        }
        if self.history.len() > self.max_restarts as usize {
            let error = StopReason::error(format_args!(
                "{} reached its restart intensity ({} restarts in {:?}); last stop of {}: {reason}",
                self.name, self.max_restarts, self.period, self.slots[index].name
            ));
            span.finish(Outcome::error("restart_intensity", &error));
            return Err(error);
        }
        let cx = span.context().clone();
        match self.strategy {
            Strategy::OneForOne => {
                let _ = self.slots[index].commands.send(Command::Restart(cx));
            }
            Strategy::OneForAll => {
                // Shut the others down, last started first, then start all in
                // order, each under the restart span.
                for other in (0..self.slots.len()).rev() {
                    if other == index || !self.slots[other].running {
                        continue;
                    }
                    if self.slots[other]
                        .control
                        .send((StopReason::Shutdown, cx.clone()))
                        .is_ok()
                    {
                        while let Some((stopped, _)) = exits.next().await {
                            self.slots[stopped].running = false;
                            if stopped == other {
                                break;
                            }
                        }
                    }
                }
                for slot in &self.slots {
                    if slot.restart != Restart::Temporary {
                        let _ = slot.commands.send(Command::Restart(cx.clone()));
                    }
                }
            }
        }
        for slot in &mut self.slots {
            if slot.restart != Restart::Temporary || slot.running {
                slot.running = true;
            }
        }
        span.finish(Outcome::Unset);
        Ok(())
    }
}
