//! The [`Actor`] trait: the callbacks an actor implements, as a GenServer
//! module implements its behaviour; the [`ActorContext`] they are given,
//! for what a handler can do besides replying; and [`NoMessage`] for the
//! message kinds an actor does not take. The trait and its context are one
//! idea: each names the other.

use std::future::Future;
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry::trace::TraceContextExt as _;

use super::actor_ref::Envelope;
use super::{ActorRef, StopReason};
use crate::Message;
use crate::span::LinkTo;

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
/// The name used in client-side span names is [`NAME`](Self::NAME), by
/// default the snake_case type name (`user_cache` for `UserCache<T>`), the
/// name `#[traced_actor]` gives the handler spans, so client and server
/// spans agree without anything added to the impl. `#[traced_actor(name =
/// "..")]` sets it for you (see [`traced_actor`](crate::traced_actor) for
/// when the macro adds items to an impl).
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

    /// The actor's name in client-side span names (`{NAME}.call {variant}`);
    /// `None` (the default) is the snake_case type name.
    const NAME: Option<&'static str> = None;

    /// Whether the runtime starts a CLIENT span for each call and a
    /// PRODUCER span for each cast (`{NAME}.call {variant}`,
    /// `{NAME}.cast {variant}`), the parents of the handler spans.
    /// `#[traced_actor]` sets it. An actor written without the macro is not
    /// traced: its calls and casts start no span and cost what an untraced
    /// runtime's do; they still carry the caller's context, so traced code
    /// its handlers call continues the caller's trace.
    const TRACED: bool = false;

    /// How long [`ActorRef::call`](super::ActorRef::call) waits for a reply.
    /// `None`, the default, waits until the actor replies, stops or panics
    /// (a stopped or panicked actor is never waited for: the call returns
    /// [`CallError::NotRunning`](super::CallError::NotRunning) or
    /// [`CallError::Panicked`](super::CallError::Panicked)), as kameo's
    /// `ask` and ractor's `call!` do. A deadline costs a timer per call,
    /// registered in and removed from tokio's timer wheel, which takes
    /// longer than the round trip itself (BENCHMARKS.md), so it is asked
    /// for rather than given to every call: set it, GenServer's 5 s for
    /// example, where a handler may wait on an actor that could call back,
    /// or use [`ActorRef::call_timeout`](super::ActorRef::call_timeout) per
    /// call.
    const CALL_TIMEOUT: Option<Duration> = None;

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

/// The name in `A`'s client-side span names: [`Actor::NAME`], else the
/// snake_case type name (the last path segment, without generics), built
/// once per type.
pub(crate) fn actor_name<A: Actor>() -> &'static str {
    A::NAME.unwrap_or_else(crate::static_name::type_label::<A>)
}

/// What a handler can do besides replying: stop the actor, schedule
/// messages to itself, reach its own [`ActorRef`].
pub struct ActorContext<A: Actor> {
    myself: ActorRef<A>,
    stop: Option<StopReason>,
}

impl<A: Actor> ActorContext<A> {
    pub(crate) fn new(myself: ActorRef<A>) -> Self {
        ActorContext { myself, stop: None }
    }

    /// The stop a handler asked for, if any; asked once after each handler.
    pub(crate) fn take_stop(&mut self) -> Option<StopReason> {
        self.stop.take()
    }

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
