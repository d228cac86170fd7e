//! Context into spawned work: the spawn family (`spawn`, `spawn_child`,
//! `spawn_linked` and their blocking forms), `FutureExt` and `SpanFuture`,
//! and `Traced<M>` for messages over a queue. Re-exported at the crate
//! root, whose documentation holds the propagation guide
//! (`runtime/docs/guides/propagation.md`).

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::Context;
use opentelemetry::context::{FutureExt as _, WithContext};
use tokio::task::JoinHandle;

use crate::outcome::Outcome;
use crate::span::{SpanGuard, SpanMeta};

/// Spawns `future` on the current tokio runtime, running under the caller's
/// current context.
///
/// # Panics
///
/// Like `tokio::spawn`, when called outside a tokio runtime.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let handle = tracewire::spawn(async { 1 + 1 });
/// assert_eq!(handle.await.unwrap(), 2);
/// # }
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_context())
}

/// Spawns `future` inside a new span named `name`, a child of the caller's
/// current span. The span ends when the task completes (marked cancelled if
/// the task is aborted, with an exception event if it panics).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let handle = tracewire::spawn_child("report.fetch_user", async { "user" });
/// assert_eq!(handle.await.unwrap(), "user");
/// # }
/// ```
pub fn spawn_child<F>(name: &'static str, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_child_span(name))
}

/// Spawns `future` inside a new root span named `name` that links to the
/// caller's current span: for work that outlives its cause, such as a
/// background refresh, where a parent would stretch the caller's trace.
pub fn spawn_linked<F>(name: &'static str, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_linked_span(name))
}

/// Runs `f` on tokio's blocking pool under the caller's current context.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let sum = tracewire::spawn_blocking(|| (1..=10).sum::<u32>()).await.unwrap();
/// assert_eq!(sum, 55);
/// # }
/// ```
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(in_current_context(f))
}

/// Runs `f` on tokio's blocking pool inside a new span named `name`, a child
/// of the caller's current span.
pub fn spawn_blocking_child<F, R>(name: &'static str, f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let parent = Context::current();
    tokio::task::spawn_blocking(move || {
        let mut span = SpanGuard::start_with_parent(&SpanMeta::internal(name), parent);
        let value = span.in_scope(f);
        span.finish(Outcome::Unset);
        value
    })
}

/// Runs `f` on tokio's blocking pool inside a new root span named `name`,
/// linked to the caller's current span.
pub fn spawn_blocking_linked<F, R>(name: &'static str, f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let linked = Context::current();
    tokio::task::spawn_blocking(move || {
        let mut span = SpanGuard::start_linked(&SpanMeta::internal(name), Context::new(), &linked);
        let value = span.in_scope(f);
        span.finish(Outcome::Unset);
        value
    })
}

/// Wraps a closure so that it runs under the context current now, wherever
/// it is later called (another thread, a thread pool).
pub fn in_current_context<F, R>(f: F) -> impl FnOnce() -> R
where
    F: FnOnce() -> R,
{
    let cx = Context::current();
    move || {
        let _current = cx.attach();
        f()
    }
}

/// The three propagation flavours for a future on any executor.
pub trait FutureExt: Future + Sized {
    /// Runs the future under the context current now.
    fn in_current_context(self) -> WithContext<Self> {
        self.with_context(Context::current())
    }

    /// Runs the future inside a new span named `name`, a child of the span
    /// current now.
    ///
    /// ```
    /// use tracewire::FutureExt as _;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let n = async { 3 }.in_child_span("batch.item").await;
    /// assert_eq!(n, 3);
    /// # }
    /// ```
    fn in_child_span(self, name: &'static str) -> SpanFuture<Self> {
        SpanFuture::new(
            SpanGuard::start_with_parent(&SpanMeta::internal(name), Context::current()),
            self,
        )
    }

    /// Runs the future inside a new root span named `name`, linked to the
    /// span current now.
    fn in_linked_span(self, name: &'static str) -> SpanFuture<Self> {
        let span = SpanGuard::start_linked(
            &SpanMeta::internal(name),
            Context::new(),
            &Context::current(),
        );
        SpanFuture::new(span, self)
    }
}

impl<F: Future> FutureExt for F {}

pin_project_lite::pin_project! {
    /// A future running inside its own span, which ends when the future
    /// completes. Returned by [`FutureExt::in_child_span`] and
    /// [`FutureExt::in_linked_span`].
    pub struct SpanFuture<F> {
        span: Option<SpanGuard>,
        #[pin]
        future: F,
    }
}

impl<F> SpanFuture<F> {
    fn new(span: SpanGuard, future: F) -> Self {
        SpanFuture {
            span: Some(span),
            future,
        }
    }
}

impl<F: Future> Future for SpanFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let future = this.future;
        let Some(span) = this.span.as_mut() else {
            // Polled after completion: the inner future decides what that
            // means (most panic, as futures may); no span to run it in.
            return future.poll(task);
        };
        let poll = span.poll_in_scope(future, task);
        if poll.is_ready()
            && let Some(span) = this.span.take()
        {
            span.finish(Outcome::Unset);
        }
        poll
    }
}

/// A message together with its sender's trace context, for any channel
/// (`tokio::sync::mpsc`, `oneshot`, `broadcast`, crossbeam, an actor
/// mailbox).
///
/// A traced handler taking a `Traced<M>` argument starts its span as a
/// child of the carried context (or links to it with `#[span(link = arg)]`).
///
/// # Examples
///
/// ```
/// use tracewire::Traced;
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (tx, mut rx) = tokio::sync::mpsc::channel(8);
/// tx.send(Traced::new("job")).await.unwrap();
/// let job = rx.recv().await.unwrap();
/// assert_eq!(*job, "job");
/// let (message, _sender_context) = job.into_parts();
/// assert_eq!(message, "job");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Traced<M> {
    message: M,
    context: Context,
}

impl<M> Traced<M> {
    /// Wraps `message` with the context current now.
    pub fn new(message: M) -> Self {
        Traced {
            message,
            context: Context::current(),
        }
    }

    /// Wraps `message` with an explicit context.
    pub fn with_context(message: M, context: Context) -> Self {
        Traced { message, context }
    }

    /// The sender's context.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The message and the sender's context.
    pub fn into_parts(self) -> (M, Context) {
        (self.message, self.context)
    }

    /// The message, without the context.
    pub fn into_inner(self) -> M {
        self.message
    }
}

impl<M> Deref for Traced<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.message
    }
}

impl<M> DerefMut for Traced<M> {
    fn deref_mut(&mut self) -> &mut M {
        &mut self.message
    }
}

/// A value that carries a trace context: what `#[span(parent = arg)]` and
/// `#[span(link = arg)]` accept, and what a `Traced<M>` argument is read
/// through.
#[diagnostic::on_unimplemented(
    message = "`{Self}` carries no trace context",
    label = "`parent = ..` and `link = ..` need an argument that carries a trace context",
    note = "pass a `tracewire::Traced<M>`, an `opentelemetry::Context` or a `tracewire::carrier::RemoteParent`, or implement `tracewire::CarriesContext`",
    note = "for an incoming HTTP request, take an `http::HeaderMap` (as `HeaderMap` or `&HeaderMap`, not through an alias) or `tracewire::axum::TraceParent`: its context goes through the trust policy"
)]
pub trait CarriesContext {
    /// The carried context.
    fn carried_context(&self) -> Context;
}

impl<M> CarriesContext for Traced<M> {
    fn carried_context(&self) -> Context {
        self.context.clone()
    }
}

impl CarriesContext for Context {
    fn carried_context(&self) -> Context {
        self.clone()
    }
}

/// Incoming context after a [`TrustPolicy`](crate::carrier::TrustPolicy): a parent is
/// carried as is; a link-only context is carried as a remote span context,
/// for use with `#[span(link = arg)]`.
impl CarriesContext for crate::carrier::RemoteParent {
    fn carried_context(&self) -> Context {
        use opentelemetry::trace::TraceContextExt as _;
        match self {
            crate::carrier::RemoteParent::Parent(cx) => cx.clone(),
            crate::carrier::RemoteParent::Link(sc) => {
                Context::new().with_remote_span_context(sc.clone())
            }
            crate::carrier::RemoteParent::None => Context::new(),
        }
    }
}

impl<T: CarriesContext + ?Sized> CarriesContext for &T {
    fn carried_context(&self) -> Context {
        (**self).carried_context()
    }
}

impl<T: CarriesContext + ?Sized> CarriesContext for &mut T {
    fn carried_context(&self) -> Context {
        (**self).carried_context()
    }
}
