//! The loop that runs an actor: `init`, then one message at a time, then
//! `terminate`, each handler under the context its message carried. A panic
//! stops only this instance; a supervisor may start the next on the same
//! mailbox.

use std::sync::atomic::Ordering;

use opentelemetry::Context;
use opentelemetry::context::FutureExt as _;
use tokio::sync::{mpsc, oneshot};

use super::actor_ref::{Envelope, channel};
use super::{Actor, ActorContext, ActorRef, CallError, StopReason};
use crate::panic::catch_panic;

/// Supervisor commands that interrupt an instance between messages.
pub(crate) struct Control {
    rx: Option<mpsc::UnboundedReceiver<(StopReason, Context)>>,
}

impl Control {
    pub(crate) fn none() -> Self {
        Control { rx: None }
    }

    /// Stop requests from a supervisor.
    pub(crate) fn from(rx: mpsc::UnboundedReceiver<(StopReason, Context)>) -> Self {
        Control { rx: Some(rx) }
    }

    /// The next stop request and the context of whoever made it.
    async fn next(&mut self) -> (StopReason, Context) {
        match self.rx.as_mut() {
            Some(rx) => rx
                .recv()
                .await
                .unwrap_or((StopReason::Shutdown, Context::new())),
            None => std::future::pending().await,
        }
    }
}

/// Runs instances of one actor on one mailbox, one after another.
pub(crate) struct Runner<A: Actor> {
    mailbox: mpsc::Receiver<Envelope<A>>,
    myself: ActorRef<A>,
}

impl<A: Actor> Runner<A> {
    /// A runner for a new mailbox of `capacity` messages, and the handle
    /// that reaches it.
    pub(crate) fn with_mailbox(capacity: usize) -> (ActorRef<A>, Self) {
        let (myself, mailbox) = channel::<A>(capacity);
        (myself.clone(), Runner { mailbox, myself })
    }

    /// Runs one instance from `init` to `terminate` and says why it stopped.
    pub(crate) async fn run(
        &mut self,
        args: A::Args,
        started: Option<oneshot::Sender<Result<(), StopReason>>>,
        control: &mut Control,
    ) -> StopReason {
        let mut actor = match catch_panic(A::init(args)).await {
            Ok(Ok(actor)) => actor,
            Ok(Err(reason)) => {
                if let Some(started) = started {
                    let _ = started.send(Err(reason.clone()));
                }
                return reason;
            }
            Err(panic) => {
                let reason = StopReason::Panic(panic);
                if let Some(started) = started {
                    let _ = started.send(Err(reason.clone()));
                }
                return reason;
            }
        };
        self.myself.shared.running.store(true, Ordering::Release);
        if let Some(started) = started {
            let _ = started.send(Ok(()));
        }
        let mut ctx = ActorContext::new(self.myself.clone());
        let Stopped { reason, done, cx } = self.serve(&mut actor, &mut ctx, control).await;
        // `terminate` runs under whoever caused the stop: the caller of
        // `stop`, the handler that panicked or stopped, the supervisor.
        // It may panic too; the actor is stopping either way.
        let _ = catch_panic(actor.terminate(&reason).with_context(cx)).await;
        self.myself.shared.running.store(false, Ordering::Release);
        self.myself.shared.stops.send_modify(|n| *n += 1);
        if let Some(done) = done {
            let _ = done.send(());
        }
        reason
    }

    async fn serve(
        &mut self,
        actor: &mut A,
        ctx: &mut ActorContext<A>,
        control: &mut Control,
    ) -> Stopped {
        loop {
            let envelope = tokio::select! {
                biased;
                (reason, cx) = control.next() => return Stopped::new(reason, cx),
                envelope = self.mailbox.recv() => envelope,
            };
            // Every handle dropped: nobody can send again.
            let Some(envelope) = envelope else {
                return Stopped::new(StopReason::Normal, Context::new());
            };
            let (handled, cx) = match envelope {
                Envelope::Call { message, reply, cx } => {
                    let handled =
                        match catch_panic(actor.handle_call(message, ctx).with_context(cx.clone()))
                            .await
                        {
                            Ok(value) => {
                                // The caller may have timed out and left.
                                let _ = reply.send(Ok(value));
                                Ok(())
                            }
                            Err(panic) => {
                                let _ = reply.send(Err(CallError::Panicked(panic.clone())));
                                Err(panic)
                            }
                        };
                    (handled, cx)
                }
                Envelope::Cast { message, cx } => (
                    catch_panic(actor.handle_cast(message, ctx).with_context(cx.clone())).await,
                    cx,
                ),
                Envelope::Info { message, cx } => (
                    catch_panic(actor.handle_info(message, ctx).with_context(cx.clone())).await,
                    cx,
                ),
                Envelope::Stop { reason, done, cx } => {
                    return Stopped {
                        reason,
                        done: Some(done),
                        cx,
                    };
                }
            };
            if let Err(panic) = handled {
                return Stopped::new(StopReason::Panic(panic), cx);
            }
            if let Some(reason) = ctx.take_stop() {
                return Stopped::new(reason, cx);
            }
        }
    }
}

/// Why and at whose request an instance stopped serving.
struct Stopped {
    reason: StopReason,
    /// Who waits for `terminate` to finish, after `ActorRef::stop`.
    done: Option<oneshot::Sender<()>>,
    cx: Context,
}

impl Stopped {
    fn new(reason: StopReason, cx: Context) -> Self {
        Stopped {
            reason,
            done: None,
            cx,
        }
    }
}
