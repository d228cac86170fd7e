//! [`TracedSends`]: `ask` and `tell` that carry the current OpenTelemetry
//! context, for code that is neither traced nor inside a `tracing` span.

use std::future::Future;

use ::kameo::Actor;
use ::kameo::actor::ActorRef;
use ::kameo::error::SendError;
use ::kameo::message::Message;
use ::kameo::reply::Reply;
use opentelemetry::trace::SpanKind;

use crate::send_site::{SendSpan, result_outcome};
use crate::static_name::type_label;

/// The reply of an `ask` of `M` to `A`, as kameo's `ask(..).await` gives it.
pub type AskResult<A, M> = Result<
    <<A as Message<M>>::Reply as Reply>::Ok,
    SendError<M, <<A as Message<M>>::Reply as Reply>::Error>,
>;

/// `ask` and `tell` in a CLIENT or PRODUCER span (`counter.ask inc`) that
/// is a child of the current OpenTelemetry context, whose handler span is
/// the span's child.
///
/// Needed only where a send is neither in a `#[traced]`/`#[traced_actor]`
/// body (whose `ask` and `tell` are rewritten to do this) nor inside an
/// entered `tracing` span (which kameo carries itself): for example in code
/// that opened an OpenTelemetry span by hand.
///
/// # Examples
///
/// ```
/// use std::convert::Infallible;
///
/// use kameo::actor::{ActorRef, Spawn};
/// use kameo::message::{Context, Message};
/// use opentelemetry::trace::{Tracer as _, TracerProvider as _};
/// use tracewire::kameo::TracedSends as _;
/// use tracewire::prelude::*;
///
/// struct Counter(i64);
///
/// impl kameo::Actor for Counter {
///     type Args = i64;
///     type Error = Infallible;
///     async fn on_start(start: i64, _: ActorRef<Self>) -> Result<Self, Infallible> {
///         Ok(Counter(start))
///     }
/// }
///
/// struct Inc(i64);
///
/// #[traced_actor]
/// impl Message<Inc> for Counter {
///     type Reply = i64;
///     async fn handle(&mut self, Inc(n): Inc, _: &mut Context<Self, i64>) -> i64 {
///         self.0 += n;
///         self.0
///     }
/// }
///
/// # #[tokio::main] async fn main() {
/// let counter = Counter::spawn(0);
/// // "counter.tell inc", then "counter.ask inc": children of whatever span
/// // is current, parents of the "counter.handle inc" spans.
/// counter.traced_tell(Inc(1)).await.unwrap();
/// assert_eq!(counter.traced_ask(Inc(1)).await.unwrap(), 2);
/// # }
/// ```
pub trait TracedSends<A: Actor> {
    /// `ask(msg)`, awaited, inside a CLIENT span `{actor}.ask {message}`.
    fn traced_ask<M>(&self, msg: M) -> impl Future<Output = AskResult<A, M>> + Send
    where
        A: Message<M>,
        M: Send + 'static;

    /// `tell(msg)`, awaited, inside a PRODUCER span `{actor}.tell
    /// {message}`.
    fn traced_tell<M>(&self, msg: M) -> impl Future<Output = Result<(), SendError<M>>> + Send
    where
        A: Message<M>,
        M: Send + 'static;
}

impl<A: Actor> TracedSends<A> for ActorRef<A> {
    fn traced_ask<M>(&self, msg: M) -> impl Future<Output = AskResult<A, M>> + Send
    where
        A: Message<M>,
        M: Send + 'static,
    {
        // Started here, not when first polled: the parent is the context
        // current at the call.
        let mut span = start::<A, M>("ask", SpanKind::Client);
        async move {
            let out = span.instrument(self.ask(msg)).await;
            span.finish(result_outcome(&out));
            out
        }
    }

    fn traced_tell<M>(&self, msg: M) -> impl Future<Output = Result<(), SendError<M>>> + Send
    where
        A: Message<M>,
        M: Send + 'static,
    {
        let mut span = start::<A, M>("tell", SpanKind::Producer);
        async move {
            let out = span.instrument(self.tell(msg)).await;
            span.finish(result_outcome(&out));
            out
        }
    }
}

fn start<A, M>(op: &'static str, kind: SpanKind) -> SendSpan {
    SendSpan::start(Some(type_label::<A>()), op, Some(type_label::<M>()), kind)
}
