//! `tracing` events as OpenTelemetry log records, on the logger provider
//! installed now ([`set_logger_provider`]), through
//! opentelemetry-appender-tracing's bridge.
//!
//! The bridge takes its logger once, when [`layer`](super::layer) is
//! built; [`CurrentLoggerProvider`] hands it a logger that asks at every
//! event, as the spans' tracer does, so the layer can be built before
//! [`init`](crate::init) and outlive any number of providers.

use std::sync::{OnceLock, RwLock};

use opentelemetry::InstrumentationScope;
use opentelemetry::logs::{Logger, LoggerProvider, Severity};
use opentelemetry_sdk::logs::{SdkLogRecord, SdkLogger, SdkLoggerProvider};

/// The logger of the provider installed by [`set_logger_provider`].
static LOGGER: RwLock<Option<SdkLogger>> = RwLock::new(None);

/// Sends every `tracing` event that reaches [`layer`](super::layer) to
/// `provider` as a log record, with the trace and span ids of the current
/// span (a traced handler's, or a `tracing` span's), until
/// [`clear_logger_provider`] or the next call.
///
/// [`init`](crate::init) calls it when logs are exported over OTLP; call
/// it yourself for a provider of your own.
///
/// ```
/// use opentelemetry_sdk::logs::SdkLoggerProvider;
///
/// let provider = SdkLoggerProvider::builder().build();
/// tracewire::tracing::set_logger_provider(&provider);
/// # tracewire::tracing::clear_logger_provider();
/// ```
pub fn set_logger_provider(provider: &SdkLoggerProvider) {
    // The scope opentelemetry-appender-tracing gives its own logger.
    let logger = provider.logger_with_scope(InstrumentationScope::builder("").build());
    // A poisoned lock only means another thread panicked mid-write of an
    // `Option`; the value is still whole.
    *LOGGER.write().unwrap_or_else(|e| e.into_inner()) = Some(logger);
}

/// Stops sending `tracing` events as log records.
pub fn clear_logger_provider() {
    *LOGGER.write().unwrap_or_else(|e| e.into_inner()) = None;
}

/// What the bridge is built on: [`CurrentLogger`], whatever the scope.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CurrentLoggerProvider;

impl LoggerProvider for CurrentLoggerProvider {
    type Logger = CurrentLogger;

    fn logger_with_scope(&self, _scope: InstrumentationScope) -> CurrentLogger {
        CurrentLogger
    }
}

/// Emits to the logger of the provider installed now, if any.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CurrentLogger;

impl Logger for CurrentLogger {
    type LogRecord = SdkLogRecord;

    fn create_log_record(&self) -> SdkLogRecord {
        // The SDK makes records only through a logger; any will do, since
        // a new record holds nothing of it.
        static BLANK: OnceLock<SdkLogger> = OnceLock::new();
        BLANK
            .get_or_init(|| SdkLoggerProvider::builder().build().logger(""))
            .create_log_record()
    }

    fn emit(&self, record: SdkLogRecord) {
        if let Some(logger) = LOGGER.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            logger.emit(record);
        }
    }

    fn event_enabled(&self, level: Severity, target: &str, name: Option<&str>) -> bool {
        LOGGER
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|logger| logger.event_enabled(level, target, name))
    }
}
