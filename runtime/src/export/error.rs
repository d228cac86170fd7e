//! The errors of set-up ([`InitError`]) and of flush and shutdown
//! ([`TelemetryError`]).

use std::fmt;

/// Why [`init`](crate::init) or
/// [`TelemetryBuilder::install`](super::TelemetryBuilder::install) failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// An environment variable has a value that is not valid.
    InvalidEnv {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What would be valid.
        expected: String,
    },
    /// A builder setting has a value that is not valid.
    InvalidSetting {
        /// The builder method.
        setting: &'static str,
        /// The value given.
        value: String,
        /// What would be valid.
        expected: String,
    },
    /// A list of headers (`OTEL_EXPORTER_OTLP_HEADERS` or a per-signal form)
    /// or a header set in code is not valid. The message says which entry
    /// and, when it is valid, the header's name, but never a value: header
    /// values are often secrets.
    InvalidHeaders {
        /// The variable, or `Telemetry::builder().header(..)`.
        origin: &'static str,
        /// What is wrong, without the value.
        problem: String,
    },
    /// An exporter could not be set up.
    Exporter {
        /// `traces` or `metrics`.
        signal: &'static str,
        /// Where it would have exported.
        endpoint: String,
        /// What went wrong.
        message: String,
    },
    /// The configuration asks for an exporter this build of tracewire
    /// leaves out (see [Features](crate::export#features)).
    FeatureDisabled {
        /// The cargo feature that provides it: `otlp` or `terminal`.
        feature: &'static str,
        /// What asks for it, e.g. `OTEL_EXPORTER_OTLP_ENDPOINT is set`.
        reason: String,
    },
}

/// This crate's version as a dependency line wants it: `major.minor`.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION_MAJOR"),
    ".",
    env!("CARGO_PKG_VERSION_MINOR")
);

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::InvalidEnv {
                var,
                value,
                expected,
            } => write!(f, "invalid {var}={value:?}: expected {expected}"),
            InitError::InvalidSetting {
                setting,
                value,
                expected,
            } => write!(
                f,
                "invalid value {value:?} for Telemetry::builder().{setting}(..): expected {expected}"
            ),
            InitError::InvalidHeaders { origin, problem } => write!(
                f,
                "invalid {origin}: {problem} (header values are never shown: they may be secrets)"
            ),
            InitError::Exporter {
                signal,
                endpoint,
                message,
            } => write!(
                f,
                "setting up the {signal} exporter for {endpoint} failed: {message}"
            ),
            InitError::FeatureDisabled { feature, reason } => write!(
                f,
                "{reason}, but tracewire was built without its `{feature}` feature: enable it \
                 with `tracewire = {{ version = \"{VERSION}\", features = [\"{feature}\"] }}`"
            ),
        }
    }
}

impl std::error::Error for InitError {}

/// A flush or shutdown that did not complete; the application is
/// unaffected, but some telemetry may be lost.
#[derive(Debug)]
pub struct TelemetryError {
    action: &'static str,
    failures: Vec<String>,
}

impl TelemetryError {
    pub(super) fn check(action: &'static str, failures: Vec<String>) -> Result<(), TelemetryError> {
        if failures.is_empty() {
            Ok(())
        } else {
            Err(TelemetryError { action, failures })
        }
    }

    /// One message per signal that failed.
    pub fn failures(&self) -> &[String] {
        &self.failures
    }
}

impl fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "telemetry {} incomplete: {}",
            self.action,
            self.failures.join("; ")
        )
    }
}

impl std::error::Error for TelemetryError {}
