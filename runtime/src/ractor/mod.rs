//! [ractor](https://docs.rs/ractor) actors, traced (feature `ractor`).
//!
//! `#[traced_actor]` on `impl ractor::Actor for A`:
//!
//! - `handle` gets the span `{actor}.handle {variant}` per message variant
//!   of a message enum deriving [`Message`](crate::Message) (else the
//!   enum's snake_case type name), with its `#[message(attr)]` fields as
//!   attributes. A variant carrying an `RpcReplyPort` (sent with `call!`,
//!   `call_t!`) is handled under a SERVER span, any other (`cast!`,
//!   `send_message`) under a CONSUMER one.
//! - `pre_start`, `post_start`, `post_stop` and `handle_supervisor_evt`
//!   (whichever the impl writes) get `{actor}.{hook}` spans.
//!
//! The actor's state (`state: &mut Self::State`) and `myself` are never
//! recorded unless `record(..)` names them.
//!
//! ```
//! use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
//! use tracewire::prelude::*;
//!
//! struct Counter;
//!
//! #[derive(Message)]
//! enum CounterMsg {
//!     // "counter.handle add", CONSUMER.
//!     Add(#[message(attr = "amount")] i64),
//!     // "counter.handle get", SERVER: the sender waits on the port.
//!     Get(RpcReplyPort<i64>),
//! }
//!
//! #[traced_actor]
//! impl Actor for Counter {
//!     type Msg = CounterMsg;
//!     type State = i64;
//!     type Arguments = i64;
//!
//!     async fn pre_start(
//!         &self,
//!         _myself: ActorRef<Self::Msg>,
//!         start: i64,
//!     ) -> Result<i64, ActorProcessingErr> {
//!         Ok(start)
//!     }
//!
//!     async fn handle(
//!         &self,
//!         _myself: ActorRef<Self::Msg>,
//!         message: CounterMsg,
//!         state: &mut i64,
//!     ) -> Result<(), ActorProcessingErr> {
//!         match message {
//!             CounterMsg::Add(n) => *state += n,
//!             CounterMsg::Get(reply) => reply.send(*state)?,
//!         }
//!         Ok(())
//!     }
//! }
//! # fn main() {}
//! ```

mod send;
