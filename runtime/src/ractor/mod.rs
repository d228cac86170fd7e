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
//! The actor's state (`state: &mut Self::State`), its start arguments
//! (`Self::Arguments`) and `myself` are never recorded unless `record(..)`
//! names them.
//!
//! # Context through the mailbox
//!
//! A handler span is the child of the span its message was sent from, with
//! no change to the message types:
//!
//! - in a `#[traced]` or `#[traced_actor]` body, `cast!(recv, m)`,
//!   `recv.cast(m)` and `recv.send_message(m)` are rewritten by the macro to
//!   run in a PRODUCER span (`counter.cast add`), and `call!(recv, V, ..)`,
//!   `call_t!(recv, V, ms, ..)` and `recv.call(build, timeout)` in a CLIENT
//!   span (`counter.call get`); nothing to write. `recv` must be a variable
//!   or a field; the rewrite does nothing for receivers that are not ractor
//!   `ActorRef`s. A ractor `ActorRef` knows its message type, not its
//!   actor: send spans are named after the message type less a `_msg` or
//!   `_message` suffix (`CounterMsg` → `counter`);
//! - inside an entered `tracing` span, ractor carries that span itself;
//!   nothing to write;
//! - elsewhere, [`TracedSends`]'s `traced_cast`, `traced_send_message` and
//!   `traced_call` (one import).
//!
//! ractor polls each handler inside the `tracing` span its message was sent
//! from; tracewire's `tracing` layer (installed by `init()` and
//! `TestTracing::install()`) makes the sender's context current there.
//! Without the layer, handler spans start new traces.
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
mod traced_sends;

pub use traced_sends::TracedSends;
