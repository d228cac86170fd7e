#![doc = include_str!("../../docs/guides/actors.md")]

mod actor_ref;
mod behaviour;
mod error;
mod registry;
mod runner;
mod spawn;
pub mod supervisor;
pub mod task;

pub use actor_ref::ActorRef;
pub use behaviour::{Actor, ActorContext, NoMessage};
pub use error::{CallError, SendError, StopReason};
pub use registry::whereis;
pub use spawn::{DEFAULT_MAILBOX, Spawn, spawn};
