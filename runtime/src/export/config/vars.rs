//! The variables read, the lookup that reads them, the errors that name
//! them, and the parsers of their simple values (switches, counts,
//! milliseconds, percent-encoding).

use std::time::Duration;

use super::super::InitError;

// The variables read, in the order of the table in the module docs.
pub(crate) const SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
pub(crate) const SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
pub(crate) const RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
pub(crate) const TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
pub(crate) const TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
pub(crate) const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
pub(crate) const TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
pub(crate) const METRICS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
pub(crate) const PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
pub(crate) const TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
pub(crate) const METRICS_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL";
pub(crate) const TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
pub(crate) const BSP_MAX_QUEUE_SIZE: &str = "OTEL_BSP_MAX_QUEUE_SIZE";
pub(crate) const BSP_MAX_EXPORT_BATCH_SIZE: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
pub(crate) const BSP_SCHEDULE_DELAY: &str = "OTEL_BSP_SCHEDULE_DELAY";
pub(crate) const METRIC_EXPORT_INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
pub(crate) const TRACEWIRE_METRICS: &str = "TRACEWIRE_METRICS";
pub(crate) const TRACEWIRE_TERMINAL: &str = "TRACEWIRE_TERMINAL";

pub(crate) const SAMPLERS: &str = "one of always_on, always_off, traceidratio, parentbased_always_on, \
                        parentbased_always_off, parentbased_traceidratio";
pub(crate) const PROTOCOLS: &str = "grpc or http/protobuf";
pub(crate) const ON_OFF: &str = "on, off, true or false";
pub(crate) const MILLISECONDS: &str = "a whole number of milliseconds, at least 1";
pub(crate) const COUNT: &str = "a whole number, at least 1";

/// Reads variables through the builder's lookup; blank values count as
/// unset, as the specification asks.
pub(crate) struct Env<'a>(pub(crate) &'a (dyn Fn(&str) -> Option<String> + Send + Sync));

impl Env<'_> {
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }
}

pub(crate) fn invalid_env(
    var: &'static str,
    value: &str,
    expected: impl Into<String>,
) -> InitError {
    InitError::InvalidEnv {
        var,
        value: value.to_owned(),
        expected: expected.into(),
    }
}

pub(crate) fn invalid_setting(
    setting: &'static str,
    value: impl Into<String>,
    expected: &str,
) -> InitError {
    InitError::InvalidSetting {
        setting,
        value: value.into(),
        expected: expected.to_owned(),
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape or invalid UTF-8.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub(crate) fn on_off(env: &Env<'_>, var: &'static str) -> Result<Option<bool>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" => Ok(Some(true)),
        "off" | "false" => Ok(Some(false)),
        _ => Err(invalid_env(var, &value, ON_OFF)),
    }
}

pub(crate) fn count(env: &Env<'_>, var: &'static str) -> Result<Option<usize>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(invalid_env(var, &value, COUNT)),
    }
}

pub(crate) fn milliseconds(
    env: &Env<'_>,
    var: &'static str,
) -> Result<Option<Duration>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(ms) if ms >= 1 => Ok(Some(Duration::from_millis(ms))),
        _ => Err(invalid_env(var, &value, MILLISECONDS)),
    }
}

pub(crate) fn duration_setting(
    code: Option<Duration>,
    setting: &'static str,
    env: &Env<'_>,
    var: &'static str,
    default: Duration,
) -> Result<Duration, InitError> {
    match code {
        Some(d) if d.is_zero() => Err(invalid_setting(setting, "0s", "a non-zero duration")),
        Some(d) => Ok(d),
        None => Ok(milliseconds(env, var)?.unwrap_or(default)),
    }
}
