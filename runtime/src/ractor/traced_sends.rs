//! [`TracedSends`]: `cast`, `send_message` and `call` that carry the
//! current OpenTelemetry context, for code that is neither traced nor
//! inside a `tracing` span.

use std::future::Future;
use std::time::Duration;

use ::ractor::rpc::CallResult;
use ::ractor::{ActorRef, Message, MessagingErr, RpcReplyPort};
use opentelemetry::trace::SpanKind;

use super::send::actor_name;
use crate::send_site::{SendSpan, result_outcome};

/// `cast`, `send_message` and `call` in a PRODUCER or CLIENT span
/// (`counter.cast`, `counter.call`) that is a child of the current
/// OpenTelemetry context, whose handler span is the span's child.
///
/// Needed only where a send is neither in a `#[traced]`/`#[traced_actor]`
/// body (whose `cast!`, `call!`, `call_t!`, `cast`, `call` and
/// `send_message` are rewritten to do this) nor inside an entered
/// `tracing` span (which ractor carries itself): for example in code that
/// opened an OpenTelemetry span by hand. Its spans name no variant (the
/// message's type is generic here); the rewritten sends' spans do.
///
/// # Examples
///
/// ```
/// use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
/// use tracewire::prelude::*;
/// use tracewire::ractor::TracedSends as _;
///
/// struct Counter;
///
/// #[derive(Message)]
/// enum CounterMsg {
///     Add(i64),
///     Get(RpcReplyPort<i64>),
/// }
///
/// #[traced_actor]
/// impl Actor for Counter {
///     type Msg = CounterMsg;
///     type State = i64;
///     type Arguments = i64;
///
///     async fn pre_start(&self, _: ActorRef<CounterMsg>, start: i64) -> Result<i64, ActorProcessingErr> {
///         Ok(start)
///     }
///
///     async fn handle(
///         &self,
///         _: ActorRef<CounterMsg>,
///         message: CounterMsg,
///         state: &mut i64,
///     ) -> Result<(), ActorProcessingErr> {
///         match message {
///             CounterMsg::Add(n) => *state += n,
///             CounterMsg::Get(reply) => reply.send(*state)?,
///         }
///         Ok(())
///     }
/// }
///
/// # #[tokio::main] async fn main() {
/// let (counter, handle) = Actor::spawn(None, Counter, 0).await.unwrap();
/// counter.traced_cast(CounterMsg::Add(2)).unwrap();
/// let total = counter.traced_call(CounterMsg::Get, None).await.unwrap();
/// assert!(total.is_success());
/// counter.stop(None);
/// handle.await.unwrap();
/// # }
/// ```
pub trait TracedSends<M: Message> {
    /// `cast(msg)` inside a PRODUCER span `{actor}.cast`.
    fn traced_cast(&self, msg: M) -> Result<(), MessagingErr<M>>;

    /// `send_message(msg)` inside a PRODUCER span `{actor}.send_message`.
    fn traced_send_message(&self, msg: M) -> Result<(), MessagingErr<M>>;

    /// `call(build, timeout)`, awaited, inside a CLIENT span
    /// `{actor}.call`.
    fn traced_call<R, B>(
        &self,
        build: B,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<CallResult<R>, MessagingErr<M>>> + Send
    where
        B: FnOnce(RpcReplyPort<R>) -> M + Send,
        R: Send + 'static;
}

impl<M: Message> TracedSends<M> for ActorRef<M> {
    fn traced_cast(&self, msg: M) -> Result<(), MessagingErr<M>> {
        let mut span = start::<M>("cast", SpanKind::Producer);
        let out = {
            let _entered = span.enter();
            self.cast(msg)
        };
        span.finish(result_outcome(&out));
        out
    }

    fn traced_send_message(&self, msg: M) -> Result<(), MessagingErr<M>> {
        let mut span = start::<M>("send_message", SpanKind::Producer);
        let out = {
            let _entered = span.enter();
            self.send_message(msg)
        };
        span.finish(result_outcome(&out));
        out
    }

    fn traced_call<R, B>(
        &self,
        build: B,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<CallResult<R>, MessagingErr<M>>> + Send
    where
        B: FnOnce(RpcReplyPort<R>) -> M + Send,
        R: Send + 'static,
    {
        // Started here, not when first polled: the parent is the context
        // current at the call.
        let mut span = start::<M>("call", SpanKind::Client);
        async move {
            let out = span.instrument(self.call(build, timeout)).await;
            span.finish(result_outcome(&out));
            out
        }
    }
}

fn start<M>(op: &'static str, kind: SpanKind) -> SendSpan {
    SendSpan::start(Some(actor_name::<M>()), op, None, kind)
}
