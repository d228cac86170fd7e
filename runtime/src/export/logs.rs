//! The log pipeline [`init`](crate::init) installs beside the tracer
//! provider when an OTLP endpoint is configured (features `otlp` and
//! `tracing`): its logger provider, which the `tracing` bridge emits into,
//! so `tracing` events become OpenTelemetry log records carrying the trace
//! and span ids of the span they happened in.

use std::sync::{PoisonError, RwLock};

use opentelemetry_sdk::logs::SdkLoggerProvider;

/// The installed logger provider, if OTLP log export is on.
static LOGGER_PROVIDER: RwLock<Option<SdkLoggerProvider>> = RwLock::new(None);

/// The logger provider `init()` installed, if it exports logs (an OTLP
/// endpoint for logs is configured); `None` otherwise, and after the guard
/// shut it down.
#[allow(dead_code, reason = "read by the `tracing` bridge when it is built")]
pub(crate) fn logger_provider() -> Option<SdkLoggerProvider> {
    LOGGER_PROVIDER
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Installs `provider` (or uninstalls, with `None`).
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub(super) fn set_logger_provider(provider: Option<SdkLoggerProvider>) {
    *LOGGER_PROVIDER
        .write()
        .unwrap_or_else(PoisonError::into_inner) = provider;
}
