//! Starting an actor outside a supervisor: [`spawn`] and the [`Spawn`]
//! builder.

use tokio::sync::oneshot;

use super::runner::{Control, Runner};
use super::{Actor, ActorRef, StopReason};

/// Mailbox capacity unless [`Spawn::mailbox`] sets another.
pub const DEFAULT_MAILBOX: usize = 1024;

/// Options for starting an actor; see [`spawn`] for the defaults.
pub struct Spawn<A: Actor> {
    args: A::Args,
    mailbox: usize,
}

impl<A: Actor> Spawn<A> {
    /// Starts with `args` and a mailbox of [`DEFAULT_MAILBOX`].
    pub fn new(args: A::Args) -> Self {
        Spawn {
            args,
            mailbox: DEFAULT_MAILBOX,
        }
    }

    /// Sets the mailbox capacity (at least 1).
    pub fn mailbox(mut self, capacity: usize) -> Self {
        self.mailbox = capacity.max(1);
        self
    }

    /// Runs `init` and, if it succeeds, the actor on its own task.
    pub async fn start(self) -> Result<ActorRef<A>, StopReason> {
        let (actor_ref, mut runner) = Runner::with_mailbox(self.mailbox);
        let (started, ready) = oneshot::channel();
        let args = self.args;
        crate::spawn(async move {
            runner.run(args, Some(started), &mut Control::none()).await;
        });
        match ready.await {
            Ok(Ok(())) => Ok(actor_ref),
            Ok(Err(reason)) => Err(reason),
            Err(_) => Err(StopReason::Panic("init panicked".into())),
        }
    }
}

/// Starts an actor outside any supervisor and waits until its `init` has
/// returned (like `GenServer.start_link`).
pub async fn spawn<A: Actor>(args: A::Args) -> Result<ActorRef<A>, StopReason> {
    Spawn::new(args).start().await
}
