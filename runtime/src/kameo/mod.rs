//! [kameo](https://docs.rs/kameo) actors, traced (feature `kameo`).
//!
//! `#[traced_actor]` on kameo's impls:
//!
//! - `impl Message<M> for A`: `handle` gets the span `{actor}.handle
//!   {message}`: the message type's snake_case name (`counter.handle inc`
//!   for `Inc`), or its variant for an enum deriving
//!   [`Message`](crate::Message), whose `#[message(attr)]` fields become
//!   attributes. An `ask` is handled under a SERVER span, a `tell` under a
//!   CONSUMER one (see `reply_context`). An `Err` reply or a panic is the
//!   span's error, as for every traced handler.
//! - `impl Actor for A`: `on_start`, `on_stop`, `on_panic` and
//!   `on_link_died` (whichever the impl writes) get `{actor}.{hook}` spans.
//!
//! The actor's state, its `ActorRef`/`WeakActorRef` and the handler's
//! `Context` are never recorded unless `record(..)` names them.
//!
//! # Context through the mailbox
//!
//! A handler span is the child of the span its message was sent from, with
//! no change to the message types:
//!
//! - in a `#[traced]` or `#[traced_actor]` body, `recv.ask(m)` and
//!   `recv.tell(m)` (awaited, or `.send()`, `.try_send()`,
//!   `.blocking_send()` on them) are rewritten by the macro to run in a
//!   CLIENT span `{actor}.ask {message}` or a PRODUCER span `{actor}.tell
//!   {message}`; nothing to write. `recv` must be a variable or a field
//!   (`counter`, `self.counter`); the rewrite does nothing for receivers
//!   that are not kameo `ActorRef`s;
//! - inside an entered `tracing` span, kameo carries that span itself;
//!   nothing to write;
//! - elsewhere, [`TracedSends`]'s `traced_ask`/`traced_tell` (one import).
//!
//! This needs tracewire's `tracing` layer in the `tracing` subscriber
//! (`init()` and `TestTracing::install()` install it): kameo runs each
//! handler in a `tracing` span of its own that *follows from* the sender's,
//! and the layer runs it in the sender's context. Without the layer,
//! handler spans start new traces.
//!
//! ```
//! use std::convert::Infallible;
//!
//! use kameo::actor::{ActorRef, Spawn};
//! use kameo::message::{Context, Message};
//! use tracewire::prelude::*;
//!
//! struct Counter {
//!     count: i64,
//! }
//!
//! // Spans "counter.on_start" and, on a graceful stop, "counter.on_stop".
//! #[traced_actor]
//! impl kameo::Actor for Counter {
//!     type Args = i64;
//!     type Error = Infallible;
//!
//!     async fn on_start(count: i64, _: ActorRef<Self>) -> Result<Self, Infallible> {
//!         Ok(Counter { count })
//!     }
//! }
//!
//! struct Inc {
//!     amount: i64,
//! }
//!
//! // Span "counter.handle inc": SERVER for an `ask`, CONSUMER for a `tell`.
//! #[traced_actor]
//! impl Message<Inc> for Counter {
//!     type Reply = i64;
//!
//!     async fn handle(&mut self, msg: Inc, _: &mut Context<Self, Self::Reply>) -> i64 {
//!         self.count += msg.amount;
//!         self.count
//!     }
//! }
//!
//! // Span "checkout" > "counter.ask inc" (CLIENT) > "counter.handle inc".
//! #[traced]
//! async fn checkout(counter: &ActorRef<Counter>) -> i64 {
//!     counter.ask(Inc { amount: 1 }).await.unwrap_or_default()
//! }
//!
//! # #[tokio::main] async fn main() {
//! let counter = Counter::spawn(0);
//! assert_eq!(checkout(&counter).await, 1);
//! # }
//! ```

mod reply_context;

mod send;
mod traced_sends;

pub use traced_sends::{AskResult, TracedSends};
