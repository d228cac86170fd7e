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
//! the context of the client or producer span that sent it (for an actor
//! without `#[traced_actor]`, which starts neither, the caller's own
//! context; see [`Actor::TRACED`]), and the runtime makes it current while
//! the handler runs. A cast's handler span is a
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
//! # Waiting for a reply
//!
//! [`ActorRef::call`] waits until the actor replies, stops or panics (a
//! stopped or panicked actor is never waited for), with no timer, unless
//! the actor sets [`Actor::CALL_TIMEOUT`]; [`ActorRef::call_timeout`] puts
//! a deadline on one call, as GenServer's `call/3` does.
//!
//! # Failures
//!
//! A panic in a handler is recorded on the handler span, the caller of a
//! `call` gets [`CallError::Panicked`] (never a hang), `terminate` runs with
//! [`StopReason::Panic`], and the actor stops. Under a
//! [`Supervisor`](supervisor::Supervisor) it is then restarted with the same
//! mailbox, so every [`ActorRef`] keeps working.

mod actor_ref;
mod behaviour;
mod context;
mod error;
mod mailbox;
mod registry;
mod runner;
mod spawn;
pub mod supervisor;
pub mod task;

pub use actor_ref::ActorRef;
pub use behaviour::{Actor, NoMessage};
pub use context::ActorContext;
pub use error::{CallError, SendError, StopReason};
pub use registry::whereis;
pub use spawn::{DEFAULT_MAILBOX, Spawn, spawn};
