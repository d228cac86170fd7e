//! [`ExportRuntime`]: the tokio runtime an export thread drives its
//! exports on.

use std::io;

/// A current-thread tokio runtime (IO and timers) that is safe to drop
/// anywhere: dropping a runtime inside another runtime's async context would
/// panic, so it is shut down in the background instead.
pub(crate) struct ExportRuntime(Option<tokio::runtime::Runtime>);

impl ExportRuntime {
    pub(crate) fn new() -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(ExportRuntime(Some(runtime)))
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.0.as_ref().expect("the runtime is only taken on drop")
    }

    pub(crate) fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.runtime().enter()
    }

    /// Runs `future` to completion on this runtime. Must not be called from
    /// inside an async context (it would panic); export threads never are.
    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime().block_on(future)
    }
}

impl Drop for ExportRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}
