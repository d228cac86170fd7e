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
//! ```
//! use kameo::Actor;
//! use kameo::message::{Context, Message};
//! use tracewire::prelude::*;
//!
//! #[derive(Actor)]
//! struct Counter {
//!     count: i64,
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
//! # fn main() {}
//! ```

mod reply_context;

mod send;
