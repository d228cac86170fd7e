//! A task supervisor after Elixir's `Task.Supervisor`: start concurrent
//! work, then await it with a timeout. Every task starts under the caller's
//! current span, so the spans it creates are children of the caller's.
//!
//! | Elixir | here | a panic in the task |
//! | --- | --- | --- |
//! | `Task.Supervisor.async/2` + `Task.await/2` | [`TaskSupervisor::async_linked`], [`LinkedTask::await_timeout`] | resumes in the awaiting caller, as a linked crash would |
//! | `Task.Supervisor.async_nolink/2` + `Task.yield/2` | [`TaskSupervisor::async_nolink`], [`NoLinkTask::await_timeout`] | is returned as [`TaskError::Panicked`] |
//!
//! A task that misses its timeout is aborted: its future is dropped, which
//! ends any span it had open marked cancelled.

use std::fmt;
use std::future::Future;
use std::panic::resume_unwind;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::panic::panic_message;

/// Why an awaited task gave no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskError {
    /// No value within the timeout; the task was aborted.
    Timeout(Duration),
    /// The task panicked, with the panic message.
    Panicked(String),
    /// The task was cancelled (its runtime shut down).
    Cancelled,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Timeout(d) => write!(f, "task timed out after {d:?}"),
            TaskError::Panicked(m) => write!(f, "task panicked: {m}"),
            TaskError::Cancelled => f.write_str("task was cancelled"),
        }
    }
}

impl std::error::Error for TaskError {}

impl crate::SpanOutcome for TaskError {
    fn span_outcome(&self) -> crate::Outcome<'_> {
        let error_type = match self {
            TaskError::Timeout(_) => "timeout",
            TaskError::Panicked(_) => "panic",
            TaskError::Cancelled => "cancelled",
        };
        crate::Outcome::error(error_type, self)
    }
}

/// Starts supervised tasks. Cheap to clone; clones share the counts.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tracewire::actor::task::{TaskError, TaskSupervisor};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let tasks = TaskSupervisor::new();
/// let sum = tasks.async_linked(async { 1 + 2 });
/// assert_eq!(sum.await_timeout(Duration::from_secs(1)).await, Ok(3));
///
/// let crash = tasks.async_nolink(async { panic!("boom") });
/// let err: Result<(), _> = crash.await_timeout(Duration::from_secs(1)).await;
/// assert_eq!(err, Err(TaskError::Panicked("boom".into())));
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct TaskSupervisor {
    started: Arc<AtomicU64>,
}

impl TaskSupervisor {
    /// A supervisor with no tasks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many tasks have been started.
    pub fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    /// Starts `future` as a linked task: a panic in it resumes in whoever
    /// awaits it.
    pub fn async_linked<F>(&self, future: F) -> LinkedTask<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.started.fetch_add(1, Ordering::Relaxed);
        LinkedTask {
            handle: Some(crate::spawn(future)),
        }
    }

    /// Starts `future` as an unlinked task: a panic in it is reported as
    /// [`TaskError::Panicked`] to whoever awaits it.
    pub fn async_nolink<F>(&self, future: F) -> NoLinkTask<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.started.fetch_add(1, Ordering::Relaxed);
        NoLinkTask {
            handle: crate::spawn(future),
        }
    }
}

/// A task started with [`TaskSupervisor::async_linked`]. Linked both ways:
/// dropping it without awaiting (the caller gave up, or returned early with
/// `?`) aborts the task, as an exiting Elixir process takes its linked
/// tasks with it.
#[derive(Debug)]
pub struct LinkedTask<T> {
    handle: Option<JoinHandle<T>>,
}

impl<T> Drop for LinkedTask<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }
}

impl<T> LinkedTask<T> {
    /// Waits up to `timeout` for the task's value. On timeout the task is
    /// aborted; if the task panicked, the panic resumes here.
    pub async fn await_timeout(mut self, timeout: Duration) -> Result<T, TaskError> {
        let Some(handle) = self.handle.take() else {
            return Err(TaskError::Cancelled);
        };
        match await_handle(handle, timeout).await {
            Err(Failure::Panicked(payload)) => resume_unwind(payload),
            Err(Failure::Timeout) => Err(TaskError::Timeout(timeout)),
            Err(Failure::Cancelled) => Err(TaskError::Cancelled),
            Ok(value) => Ok(value),
        }
    }
}

/// A task started with [`TaskSupervisor::async_nolink`].
#[derive(Debug)]
pub struct NoLinkTask<T> {
    handle: JoinHandle<T>,
}

impl<T> NoLinkTask<T> {
    /// Waits up to `timeout` for the task's value. On timeout the task is
    /// aborted.
    pub async fn await_timeout(self, timeout: Duration) -> Result<T, TaskError> {
        match await_handle(self.handle, timeout).await {
            Err(Failure::Panicked(payload)) => {
                Err(TaskError::Panicked(panic_message(&*payload).to_owned()))
            }
            Err(Failure::Timeout) => Err(TaskError::Timeout(timeout)),
            Err(Failure::Cancelled) => Err(TaskError::Cancelled),
            Ok(value) => Ok(value),
        }
    }

    /// Stops the task.
    pub fn shutdown(&self) {
        self.handle.abort();
    }
}

enum Failure {
    Timeout,
    Panicked(Box<dyn std::any::Any + Send>),
    Cancelled,
}

async fn await_handle<T>(mut handle: JoinHandle<T>, timeout: Duration) -> Result<T, Failure> {
    match tokio::time::timeout(timeout, &mut handle).await {
        Err(_) => {
            handle.abort();
            Err(Failure::Timeout)
        }
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) if e.is_panic() => Err(Failure::Panicked(e.into_panic())),
        Ok(Err(_)) => Err(Failure::Cancelled),
    }
}
