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
pub(crate) const TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";
pub(crate) const METRICS_EXPORTER: &str = "OTEL_METRICS_EXPORTER";
pub(crate) const LOGS_EXPORTER: &str = "OTEL_LOGS_EXPORTER";
pub(crate) const PROPAGATORS: &str = "OTEL_PROPAGATORS";
pub(crate) const ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
pub(crate) const PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
pub(crate) const HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
pub(crate) const COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
pub(crate) const TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
pub(crate) const CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";
pub(crate) const CLIENT_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE";
pub(crate) const CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_CLIENT_KEY";
pub(crate) const INSECURE: &str = "OTEL_EXPORTER_OTLP_INSECURE";
pub(crate) const METRICS_TEMPORALITY: &str = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
pub(crate) const BSP_MAX_QUEUE_SIZE: &str = "OTEL_BSP_MAX_QUEUE_SIZE";
pub(crate) const BSP_MAX_EXPORT_BATCH_SIZE: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
pub(crate) const BSP_SCHEDULE_DELAY: &str = "OTEL_BSP_SCHEDULE_DELAY";
pub(crate) const METRIC_EXPORT_INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
pub(crate) const ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_ATTRIBUTE_COUNT_LIMIT";
pub(crate) const ATTRIBUTE_VALUE_LENGTH_LIMIT: &str = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT";
pub(crate) const SPAN_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT";
pub(crate) const SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: &str = "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT";
pub(crate) const SPAN_EVENT_COUNT_LIMIT: &str = "OTEL_SPAN_EVENT_COUNT_LIMIT";
pub(crate) const SPAN_LINK_COUNT_LIMIT: &str = "OTEL_SPAN_LINK_COUNT_LIMIT";
pub(crate) const EVENT_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT";
pub(crate) const LINK_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT";
pub(crate) const TRACEWIRE_METRICS: &str = "TRACEWIRE_METRICS";
pub(crate) const TRACEWIRE_TERMINAL: &str = "TRACEWIRE_TERMINAL";
pub(crate) const TRACEWIRE_TERMINAL_RATE: &str = "TRACEWIRE_TERMINAL_RATE";
pub(crate) const TRACEWIRE_TERMINAL_SUMMARY_PERIOD: &str = "TRACEWIRE_TERMINAL_SUMMARY_PERIOD";
pub(crate) const TRACEWIRE_TERMINAL_GRACE_PERIOD: &str = "TRACEWIRE_TERMINAL_GRACE_PERIOD";

/// The variables of one signal's OTLP exporter: each wins over the general
/// `OTEL_EXPORTER_OTLP_*` variable of the same setting.
#[derive(Debug)]
pub(crate) struct SignalVars {
    /// `traces` or `metrics`, for messages.
    pub(crate) signal: &'static str,
    /// What http/protobuf appends to a base endpoint.
    pub(crate) path: &'static str,
    pub(crate) endpoint: &'static str,
    pub(crate) protocol: &'static str,
    pub(crate) headers: &'static str,
    pub(crate) compression: &'static str,
    pub(crate) timeout: &'static str,
    pub(crate) certificate: &'static str,
    pub(crate) client_certificate: &'static str,
    pub(crate) client_key: &'static str,
    pub(crate) insecure: &'static str,
}

pub(crate) const TRACES: SignalVars = SignalVars {
    signal: "traces",
    path: "/v1/traces",
    endpoint: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    protocol: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    headers: "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    compression: "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    timeout: "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    certificate: "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
    client_certificate: "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
    client_key: "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
    insecure: "OTEL_EXPORTER_OTLP_TRACES_INSECURE",
};

pub(crate) const METRICS: SignalVars = SignalVars {
    signal: "metrics",
    path: "/v1/metrics",
    endpoint: "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    protocol: "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
    headers: "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    compression: "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION",
    timeout: "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT",
    certificate: "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE",
    client_certificate: "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE",
    client_key: "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY",
    insecure: "OTEL_EXPORTER_OTLP_METRICS_INSECURE",
};

/// Log records, from the `tracing` bridge (features `otlp` and `tracing`).
pub(crate) const LOGS: SignalVars = SignalVars {
    signal: "logs",
    path: "/v1/logs",
    endpoint: "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    protocol: "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
    headers: "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
    compression: "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION",
    timeout: "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT",
    certificate: "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE",
    client_certificate: "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE",
    client_key: "OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY",
    insecure: "OTEL_EXPORTER_OTLP_LOGS_INSECURE",
};

// Kept for the tests and the feature check, which name them directly.
pub(crate) const TRACES_ENDPOINT: &str = TRACES.endpoint;
pub(crate) const METRICS_ENDPOINT: &str = METRICS.endpoint;
pub(crate) const LOGS_ENDPOINT: &str = LOGS.endpoint;
#[cfg(test)]
pub(crate) const TRACES_PROTOCOL: &str = TRACES.protocol;
#[cfg(test)]
pub(crate) const METRICS_PROTOCOL: &str = METRICS.protocol;

pub(crate) const SAMPLERS: &str = "one of always_on, always_off, traceidratio, \
                                   parentbased_always_on, parentbased_always_off, \
                                   parentbased_traceidratio";
pub(crate) const PROTOCOLS: &str = "grpc or http/protobuf";
pub(crate) const ON_OFF: &str = "on, off, true or false";
pub(crate) const MILLISECONDS: &str = "a whole number of milliseconds, at least 1";
pub(crate) const COUNT: &str = "a whole number, at least 1";
pub(crate) const WHOLE_NUMBER: &str = "a whole number (0 or more)";
pub(crate) const MILLISECONDS_OR_ZERO: &str = "a whole number of milliseconds (0 or more)";
pub(crate) const LIMIT: &str = "a whole number (0 keeps none)";

/// A variable and its value, for the settings that keep where they came
/// from (certificate files: errors found later, when the file is read, name
/// the variable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FromVar {
    pub(crate) var: &'static str,
    pub(crate) value: String,
}

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

/// A count that may be 0, for the limits.
pub(crate) fn limit(env: &Env<'_>, var: &'static str) -> Result<Option<usize>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    value
        .parse::<usize>()
        .map(Some)
        .map_err(|_| invalid_env(var, &value, LIMIT))
}

/// `true` or `false`, as the specification spells booleans.
pub(crate) fn boolean(env: &Env<'_>, var: &'static str) -> Result<Option<bool>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(invalid_env(var, &value, "true or false")),
    }
}

/// The first of `vars` that is set, with its value: a signal's own variable
/// before the general one.
pub(crate) fn first_set(env: &Env<'_>, vars: [&'static str; 2]) -> Option<FromVar> {
    vars.into_iter()
        .find_map(|var| env.get(var).map(|value| FromVar { var, value }))
}

/// A comma-separated list of names, lowercased, blanks dropped.
pub(crate) fn name_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
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
