//! Panics as values: the one place that turns a panic payload into its
//! message, and the one way the runtimes catch a panicking future.
//!
//! Handler spans record a panic's message and then let it continue; the
//! actor, channel and task runtimes catch it afterwards so that one failing
//! handler stops only its own actor, channel or task.

use std::any::Any;

/// The message a panic was raised with: the `&str` or `String` given to
/// `panic!`, or `Box<dyn Any>` for any other payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        // A payload that is not a message: name its kind instead.
        "Box<dyn Any>"
    }
}

/// Runs `future`, turning a panic into `Err(message)`.
///
/// The future is treated as unwind safe: every caller drops the state the
/// panic may have left inconsistent (the actor instance, the channel value,
/// the task) and never touches it again.
#[cfg(any(feature = "actor", feature = "channel"))]
pub(crate) async fn catch_panic<F: std::future::Future>(future: F) -> Result<F::Output, String> {
    use futures_util::FutureExt as _;

    std::panic::AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .map_err(|payload| panic_message(&*payload).to_owned())
}
