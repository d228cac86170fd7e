//! Resolving the builder's settings and the environment into one plan, and
//! refusing a plan that needs an exporter this build leaves out.
//!
//! Code-level settings win over environment variables, which win over the
//! defaults. Every bad value becomes an [`InitError`] naming the variable
//! (or builder method), the value and what is valid.

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry::{Key, KeyValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::resource::{ResourceDetector as _, TelemetryResourceDetector};
use opentelemetry_sdk::trace::Sampler;

use super::processor::BatchConfig;
use super::{InitError, Protocol, TelemetryBuilder};

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
pub(crate) const TRACEWIRE_TERMINAL_RATE: &str = "TRACEWIRE_TERMINAL_RATE";
pub(crate) const TRACEWIRE_TERMINAL_SUMMARY_PERIOD: &str = "TRACEWIRE_TERMINAL_SUMMARY_PERIOD";
pub(crate) const TRACEWIRE_TERMINAL_GRACE_PERIOD: &str = "TRACEWIRE_TERMINAL_GRACE_PERIOD";

const SAMPLERS: &str = "one of always_on, always_off, traceidratio, parentbased_always_on, \
                        parentbased_always_off, parentbased_traceidratio";
const PROTOCOLS: &str = "grpc or http/protobuf";
const ON_OFF: &str = "on, off, true or false";
const MILLISECONDS: &str = "a whole number of milliseconds, at least 1";
const COUNT: &str = "a whole number, at least 1";
const WHOLE_NUMBER: &str = "a whole number (0 or more)";
const MILLISECONDS_OR_ZERO: &str = "a whole number of milliseconds (0 or more)";

/// Where OTLP data for one signal goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OtlpTarget {
    /// The exporter's endpoint: for http/protobuf the full URL including
    /// `/v1/traces` or `/v1/metrics`, for gRPC the collector's base URL.
    pub(crate) endpoint: String,
    pub(crate) protocol: Protocol,
}

/// Everything `install` needs, resolved and validated.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) resource: Resource,
    pub(crate) sampler: Sampler,
    pub(crate) traces: Option<OtlpTarget>,
    /// `Some` when metrics are on and have an endpoint.
    pub(crate) metrics: Option<OtlpTarget>,
    pub(crate) metrics_enabled: bool,
    pub(crate) terminal: bool,
    // Read only by the terminal exporter's set-up.
    #[cfg_attr(not(feature = "terminal"), allow(dead_code))]
    pub(crate) terminal_pacing: TerminalPacing,
    pub(crate) batch: BatchConfig,
    // Resolved and checked in every build, read only by the OTLP meter
    // provider.
    #[cfg_attr(not(feature = "otlp"), allow(dead_code))]
    pub(crate) metric_interval: Duration,
}

/// How the terminal exporter `init()` builds paces its output, from the
/// environment; `None` keeps the exporter's default. An exporter given to
/// the builder keeps its own settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TerminalPacing {
    /// `TRACEWIRE_TERMINAL_RATE`: traces a second printed in full.
    pub(crate) max_per_second: Option<u32>,
    /// `TRACEWIRE_TERMINAL_SUMMARY_PERIOD`.
    pub(crate) summary_period: Option<Duration>,
    /// `TRACEWIRE_TERMINAL_GRACE_PERIOD`.
    pub(crate) grace_period: Option<Duration>,
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

fn invalid_env(var: &'static str, value: &str, expected: impl Into<String>) -> InitError {
    InitError::InvalidEnv {
        var,
        value: value.to_owned(),
        expected: expected.into(),
    }
}

fn invalid_setting(setting: &'static str, value: impl Into<String>, expected: &str) -> InitError {
    InitError::InvalidSetting {
        setting,
        value: value.into(),
        expected: expected.to_owned(),
    }
}

/// `OTEL_SDK_DISABLED`: whether to install nothing.
pub(crate) fn sdk_disabled(env: &Env<'_>) -> Result<bool, InitError> {
    match env.get(SDK_DISABLED) {
        None => Ok(false),
        Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
        Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
        Some(value) => Err(invalid_env(SDK_DISABLED, &value, "true or false")),
    }
}

/// Refuses a plan that needs an exporter this build leaves out, naming what
/// asks for it and the cargo feature to enable. Apart from `resolve`, so
/// that resolving works the same in every build.
pub(crate) fn check_features(builder: &TelemetryBuilder, plan: &Plan) -> Result<(), InitError> {
    let env = Env(&*builder.env);
    if !cfg!(feature = "otlp") && (plan.traces.is_some() || plan.metrics.is_some()) {
        let reason = if builder.endpoint.is_some() {
            "Telemetry::builder().endpoint(..) sets an endpoint".to_owned()
        } else {
            let var = [ENDPOINT, TRACES_ENDPOINT, METRICS_ENDPOINT]
                .into_iter()
                .find(|var| env.get(var).is_some())
                .unwrap_or(ENDPOINT);
            format!("{var} is set")
        };
        return Err(InitError::FeatureDisabled {
            feature: "otlp",
            reason,
        });
    }
    if !cfg!(feature = "terminal") && plan.terminal {
        let reason = if builder.terminal.is_some() {
            "Telemetry::builder().terminal(true) asks for the terminal".to_owned()
        } else if env.get(TRACEWIRE_TERMINAL).is_some() {
            format!("{TRACEWIRE_TERMINAL} is on")
        } else {
            format!(
                "no OTLP endpoint is set and {TRACEWIRE_TERMINAL} is not off, so traces would \
                 print to the terminal"
            )
        };
        return Err(InitError::FeatureDisabled {
            feature: "terminal",
            reason,
        });
    }
    Ok(())
}

pub(crate) fn resolve(builder: &TelemetryBuilder) -> Result<Plan, InitError> {
    let env = Env(&*builder.env);
    let resource = resource(builder, &env)?;
    let sampler = match &builder.sampler {
        Some(sampler) => sampler.clone(),
        None => sampler_from_env(&env)?,
    };

    let (traces, metrics_target) = targets(builder, &env)?;

    let metrics_enabled = match builder.metrics {
        Some(enabled) => enabled,
        None => on_off(&env, TRACEWIRE_METRICS)?.unwrap_or(true),
    };
    let terminal = match builder.terminal {
        Some(enabled) => enabled,
        None => on_off(&env, TRACEWIRE_TERMINAL)?.unwrap_or(traces.is_none()),
    };

    let terminal_pacing = TerminalPacing {
        max_per_second: match env.get(TRACEWIRE_TERMINAL_RATE) {
            None => None,
            Some(value) => Some(
                value
                    .parse::<u32>()
                    .map_err(|_| invalid_env(TRACEWIRE_TERMINAL_RATE, &value, WHOLE_NUMBER))?,
            ),
        },
        summary_period: milliseconds(&env, TRACEWIRE_TERMINAL_SUMMARY_PERIOD)?,
        grace_period: match env.get(TRACEWIRE_TERMINAL_GRACE_PERIOD) {
            None => None,
            Some(value) => Some(Duration::from_millis(value.parse::<u64>().map_err(
                |_| {
                    invalid_env(
                        TRACEWIRE_TERMINAL_GRACE_PERIOD,
                        &value,
                        MILLISECONDS_OR_ZERO,
                    )
                },
            )?)),
        },
    };

    let defaults = BatchConfig::default();
    let queue_size = match builder.export_queue_size {
        Some(0) => return Err(invalid_setting("export_queue_size", "0", COUNT)),
        Some(size) => size,
        None => count(&env, BSP_MAX_QUEUE_SIZE)?.unwrap_or(defaults.queue_size),
    };
    let max_export_batch_size = match builder.max_export_batch_size {
        Some(0) => return Err(invalid_setting("max_export_batch_size", "0", COUNT)),
        Some(size) => size,
        None => count(&env, BSP_MAX_EXPORT_BATCH_SIZE)?.unwrap_or(defaults.max_export_batch_size),
    }
    .min(queue_size);
    let schedule_delay = duration_setting(
        builder.schedule_delay,
        "schedule_delay",
        &env,
        BSP_SCHEDULE_DELAY,
        defaults.schedule_delay,
    )?;
    let export_timeout = duration_setting(
        builder.export_timeout,
        "export_timeout",
        &env,
        TIMEOUT,
        defaults.export_timeout,
    )?;
    let metric_interval = duration_setting(
        builder.metric_export_interval,
        "metric_export_interval",
        &env,
        METRIC_EXPORT_INTERVAL,
        Duration::from_secs(60),
    )?;

    Ok(Plan {
        resource,
        sampler,
        metrics: metrics_target.filter(|_| metrics_enabled),
        traces,
        metrics_enabled,
        terminal,
        terminal_pacing,
        batch: BatchConfig {
            queue_size,
            max_export_batch_size,
            schedule_delay,
            export_timeout,
        },
        metric_interval,
    })
}

/// The resource: SDK attributes and the default service name, then
/// `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`, the builder's attributes
/// and the builder's service name, each overriding the ones before.
fn resource(builder: &TelemetryBuilder, env: &Env<'_>) -> Result<Resource, InitError> {
    let mut attributes: BTreeMap<Key, Value> = BTreeMap::new();
    for kv in TelemetryResourceDetector.detect().iter() {
        attributes.insert(kv.0.clone(), kv.1.clone());
    }
    attributes.insert(
        Key::from_static_str("service.name"),
        Value::from(default_service_name()),
    );
    if let Some(value) = env.get(RESOURCE_ATTRIBUTES) {
        for (key, value) in parse_resource_attributes(&value)? {
            attributes.insert(Key::from(key), Value::from(value));
        }
    }
    if let Some(name) = env.get(SERVICE_NAME) {
        attributes.insert(Key::from_static_str("service.name"), Value::from(name));
    }
    for kv in &builder.resource_attributes {
        attributes.insert(kv.key.clone(), kv.value.clone());
    }
    if let Some(name) = &builder.service_name {
        if name.trim().is_empty() {
            return Err(invalid_setting(
                "service_name",
                name.clone(),
                "a non-empty name",
            ));
        }
        attributes.insert(
            Key::from_static_str("service.name"),
            Value::from(name.clone()),
        );
    }
    Ok(Resource::builder_empty()
        .with_attributes(attributes.into_iter().map(|(k, v)| KeyValue::new(k, v)))
        .build())
}

/// `unknown_service:<executable name>`, as the specification asks.
fn default_service_name() -> String {
    let exe = std::env::current_exe().ok();
    match exe.as_deref().and_then(|path| path.file_name()) {
        Some(name) => format!("unknown_service:{}", name.to_string_lossy()),
        None => "unknown_service".to_owned(),
    }
}

/// `key=value,key2=value2`, keys and values percent-decoded and trimmed.
pub(crate) fn parse_resource_attributes(value: &str) -> Result<Vec<(String, String)>, InitError> {
    const EXPECTED: &str = "comma-separated key=value pairs with non-empty keys, \
                            special characters percent-encoded (e.g. team=a%2Cb,region=eu)";
    let mut pairs = Vec::new();
    for item in value.split(',') {
        if item.trim().is_empty() {
            continue;
        }
        let Some((key, val)) = item.split_once('=') else {
            return Err(invalid_env(RESOURCE_ATTRIBUTES, value, EXPECTED));
        };
        let key = percent_decode(key.trim());
        let val = percent_decode(val.trim());
        match (key, val) {
            (Some(key), Some(val)) if !key.is_empty() => pairs.push((key, val)),
            _ => return Err(invalid_env(RESOURCE_ATTRIBUTES, value, EXPECTED)),
        }
    }
    Ok(pairs)
}

/// Decodes `%XX` escapes; `None` for a malformed escape or invalid UTF-8.
fn percent_decode(text: &str) -> Option<String> {
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

/// The sampler named by `OTEL_TRACES_SAMPLER` (default
/// `parentbased_always_on`).
pub(crate) fn sampler_from_env(env: &Env<'_>) -> Result<Sampler, InitError> {
    let Some(name) = env.get(TRACES_SAMPLER) else {
        return Ok(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)));
    };
    let ratio = || -> Result<f64, InitError> {
        let Some(arg) = env.get(TRACES_SAMPLER_ARG) else {
            return Ok(1.0);
        };
        match arg.parse::<f64>() {
            Ok(ratio) if (0.0..=1.0).contains(&ratio) => Ok(ratio),
            _ => Err(invalid_env(
                TRACES_SAMPLER_ARG,
                &arg,
                format!("a number from 0 to 1, the ratio of traces {name} keeps"),
            )),
        }
    };
    Ok(match name.to_ascii_lowercase().as_str() {
        "always_on" => Sampler::AlwaysOn,
        "always_off" => Sampler::AlwaysOff,
        "traceidratio" => Sampler::TraceIdRatioBased(ratio()?),
        "parentbased_always_on" => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
        "parentbased_always_off" => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        "parentbased_traceidratio" => {
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio()?)))
        }
        _ => return Err(invalid_env(TRACES_SAMPLER, &name, SAMPLERS)),
    })
}

fn protocol(env: &Env<'_>, var: &'static str) -> Result<Option<Protocol>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.to_ascii_lowercase().as_str() {
        "grpc" => Ok(Some(Protocol::Grpc)),
        "http/protobuf" => Ok(Some(Protocol::HttpProtobuf)),
        "http/json" => Err(invalid_env(
            var,
            &value,
            format!("{PROTOCOLS} (http/json is not supported)"),
        )),
        _ => Err(invalid_env(var, &value, PROTOCOLS)),
    }
}

/// Where traces and metrics go over OTLP, if anywhere.
fn targets(
    builder: &TelemetryBuilder,
    env: &Env<'_>,
) -> Result<(Option<OtlpTarget>, Option<OtlpTarget>), InitError> {
    let general = protocol(env, PROTOCOL)?;
    let traces_protocol = builder
        .protocol
        .or(protocol(env, TRACES_PROTOCOL)?)
        .or(general)
        .unwrap_or(Protocol::HttpProtobuf);
    let metrics_protocol = builder
        .protocol
        .or(protocol(env, METRICS_PROTOCOL)?)
        .or(general)
        .unwrap_or(Protocol::HttpProtobuf);

    if let Some(base) = &builder.endpoint {
        check_endpoint(base).map_err(|expected| invalid_setting("endpoint", base, expected))?;
        return Ok((
            Some(signal_target(base, traces_protocol, "/v1/traces")),
            Some(signal_target(base, metrics_protocol, "/v1/metrics")),
        ));
    }

    let base = env.get(ENDPOINT);
    if let Some(base) = &base {
        check_endpoint(base).map_err(|expected| invalid_env(ENDPOINT, base, expected))?;
    }
    let signal = |var: &'static str, protocol: Protocol, path: &str| {
        match env.get(var) {
            // A signal's own endpoint is used as it is.
            Some(url) => check_endpoint(&url)
                .map_err(|expected| invalid_env(var, &url, expected))
                .map(|()| {
                    Some(OtlpTarget {
                        endpoint: url,
                        protocol,
                    })
                }),
            None => Ok(base
                .as_deref()
                .map(|base| signal_target(base, protocol, path))),
        }
    };
    Ok((
        signal(TRACES_ENDPOINT, traces_protocol, "/v1/traces")?,
        signal(METRICS_ENDPOINT, metrics_protocol, "/v1/metrics")?,
    ))
}

/// A base endpoint made specific to one signal: http/protobuf appends the
/// signal's path, gRPC uses the base as it is.
fn signal_target(base: &str, protocol: Protocol, path: &str) -> OtlpTarget {
    let endpoint = match protocol {
        Protocol::HttpProtobuf => format!("{}{path}", base.trim_end_matches('/')),
        Protocol::Grpc => base.to_owned(),
    };
    OtlpTarget { endpoint, protocol }
}

/// An endpoint must be an absolute `http://` URL with a host.
fn check_endpoint(url: &str) -> Result<(), &'static str> {
    const EXPECTED: &str = "an absolute http:// URL with a host, e.g. http://localhost:4318";
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Err(EXPECTED);
    };
    match uri.scheme_str() {
        Some("http") if uri.host().is_some_and(|h| !h.is_empty()) => Ok(()),
        Some("https") => Err(
            "an http:// URL: this build of tracewire has no TLS, so export to a local \
             collector or agent over http:// and let it forward over TLS",
        ),
        _ => Err(EXPECTED),
    }
}

fn on_off(env: &Env<'_>, var: &'static str) -> Result<Option<bool>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" => Ok(Some(true)),
        "off" | "false" => Ok(Some(false)),
        _ => Err(invalid_env(var, &value, ON_OFF)),
    }
}

fn count(env: &Env<'_>, var: &'static str) -> Result<Option<usize>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(invalid_env(var, &value, COUNT)),
    }
}

fn milliseconds(env: &Env<'_>, var: &'static str) -> Result<Option<Duration>, InitError> {
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(ms) if ms >= 1 => Ok(Some(Duration::from_millis(ms))),
        _ => Err(invalid_env(var, &value, MILLISECONDS)),
    }
}

fn duration_setting(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Telemetry;

    fn builder(vars: &[(&str, &str)]) -> TelemetryBuilder {
        Telemetry::builder().env_vars(vars.iter().copied())
    }

    fn plan(vars: &[(&str, &str)]) -> Plan {
        resolve(&builder(vars)).unwrap()
    }

    /// The error `install` would return, which checks `OTEL_SDK_DISABLED`
    /// before the rest.
    fn error(vars: &[(&str, &str)]) -> String {
        let builder = builder(vars);
        sdk_disabled(&Env(&*builder.env))
            .and_then(|_| resolve(&builder))
            .unwrap_err()
            .to_string()
    }

    fn resource_value(plan: &Plan, key: &'static str) -> Option<Value> {
        plan.resource.get(&Key::from_static_str(key))
    }

    #[test]
    fn defaults_print_to_the_terminal_and_export_nothing() {
        let plan = plan(&[]);
        assert!(plan.terminal);
        assert_eq!(plan.traces, None);
        assert_eq!(plan.metrics, None);
        assert!(plan.metrics_enabled);
        assert_eq!(plan.batch, BatchConfig::default());
        assert_eq!(plan.metric_interval, Duration::from_secs(60));
        assert_eq!(format!("{:?}", plan.sampler), "ParentBased(AlwaysOn)");
        let service = resource_value(&plan, "service.name").unwrap().to_string();
        assert!(service.starts_with("unknown_service"), "{service}");
        assert_eq!(
            resource_value(&plan, "telemetry.sdk.language"),
            Some(Value::from("rust"))
        );
    }

    #[test]
    fn the_terminal_pacing_comes_from_the_environment() {
        let plan = resolve(&builder(&[])).unwrap();
        assert_eq!(plan.terminal_pacing, TerminalPacing::default());
        let plan = resolve(&builder(&[
            (TRACEWIRE_TERMINAL_RATE, "0"),
            (TRACEWIRE_TERMINAL_SUMMARY_PERIOD, "10000"),
            (TRACEWIRE_TERMINAL_GRACE_PERIOD, "0"),
        ]))
        .unwrap();
        assert_eq!(
            plan.terminal_pacing,
            TerminalPacing {
                max_per_second: Some(0),
                summary_period: Some(Duration::from_secs(10)),
                grace_period: Some(Duration::ZERO),
            }
        );
    }

    #[test]
    fn service_name_and_resource_attributes() {
        let plan = plan(&[
            (
                RESOURCE_ATTRIBUTES,
                "service.name=from-attrs, team=a%2Cb%3Dc ,region=eu%20west",
            ),
            (SERVICE_NAME, "checkout"),
        ]);
        assert_eq!(
            resource_value(&plan, "service.name"),
            Some(Value::from("checkout"))
        );
        assert_eq!(resource_value(&plan, "team"), Some(Value::from("a,b=c")));
        assert_eq!(
            resource_value(&plan, "region"),
            Some(Value::from("eu west"))
        );

        let plan = self::plan(&[(RESOURCE_ATTRIBUTES, "service.name=from-attrs")]);
        assert_eq!(
            resource_value(&plan, "service.name"),
            Some(Value::from("from-attrs"))
        );
    }

    #[test]
    fn code_settings_win_over_the_environment() {
        let builder = builder(&[
            (SERVICE_NAME, "from-env"),
            (RESOURCE_ATTRIBUTES, "team=env,region=eu"),
            (TRACES_SAMPLER, "always_off"),
            (ENDPOINT, "http://env:4318"),
            (TRACES_ENDPOINT, "http://env:4318/custom"),
            (PROTOCOL, "grpc"),
            (TRACEWIRE_METRICS, "off"),
            (TRACEWIRE_TERMINAL, "on"),
            (BSP_MAX_QUEUE_SIZE, "10"),
            (TIMEOUT, "1"),
        ])
        .service_name("from-code")
        .resource_attribute("team", "code")
        .sampler(Sampler::AlwaysOn)
        .endpoint("http://code:4318/")
        .protocol(Protocol::HttpProtobuf)
        .metrics(true)
        .terminal(false)
        .export_queue_size(99)
        .export_timeout(Duration::from_secs(3));
        let plan = resolve(&builder).unwrap();
        assert_eq!(
            resource_value(&plan, "service.name"),
            Some(Value::from("from-code"))
        );
        assert_eq!(resource_value(&plan, "team"), Some(Value::from("code")));
        assert_eq!(resource_value(&plan, "region"), Some(Value::from("eu")));
        assert!(matches!(plan.sampler, Sampler::AlwaysOn));
        let http = |endpoint: &str| OtlpTarget {
            endpoint: endpoint.into(),
            protocol: Protocol::HttpProtobuf,
        };
        assert_eq!(plan.traces, Some(http("http://code:4318/v1/traces")));
        assert_eq!(plan.metrics, Some(http("http://code:4318/v1/metrics")));
        assert!(plan.metrics_enabled);
        assert!(!plan.terminal);
        assert_eq!(plan.batch.queue_size, 99);
        assert_eq!(plan.batch.export_timeout, Duration::from_secs(3));
    }

    #[test]
    fn every_sampler_name() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("always_on", None, "AlwaysOn"),
            ("always_off", None, "AlwaysOff"),
            ("traceidratio", Some("0.25"), "TraceIdRatioBased(0.25)"),
            ("traceidratio", None, "TraceIdRatioBased(1.0)"),
            ("parentbased_always_on", None, "ParentBased(AlwaysOn)"),
            ("parentbased_always_off", None, "ParentBased(AlwaysOff)"),
            (
                "parentbased_traceidratio",
                Some("0"),
                "ParentBased(TraceIdRatioBased(0.0))",
            ),
            ("ALWAYS_OFF", Some("ignored"), "AlwaysOff"),
        ];
        for (name, arg, expected) in cases {
            let mut vars = vec![(TRACES_SAMPLER, *name)];
            vars.extend(arg.map(|arg| (TRACES_SAMPLER_ARG, arg)));
            assert_eq!(
                format!("{:?}", plan(&vars).sampler),
                *expected,
                "{name} {arg:?}"
            );
        }
    }

    #[test]
    fn endpoints_follow_the_specification() {
        let http = |endpoint: &str| {
            Some(OtlpTarget {
                endpoint: endpoint.into(),
                protocol: Protocol::HttpProtobuf,
            })
        };
        let grpc = |endpoint: &str| {
            Some(OtlpTarget {
                endpoint: endpoint.into(),
                protocol: Protocol::Grpc,
            })
        };
        // A base URL gets each signal's path appended (http/protobuf is the default).
        let p = plan(&[(ENDPOINT, "http://collector:4318/")]);
        assert_eq!(p.traces, http("http://collector:4318/v1/traces"));
        assert_eq!(p.metrics, http("http://collector:4318/v1/metrics"));
        assert!(!p.terminal, "an endpoint replaces the terminal by default");
        // A base URL with a path keeps it.
        let p = plan(&[(ENDPOINT, "http://gw/otlp")]);
        assert_eq!(p.traces, http("http://gw/otlp/v1/traces"));
        // A signal's own endpoint is used as is, and wins over the base.
        let p = plan(&[
            (ENDPOINT, "http://base:4318"),
            (TRACES_ENDPOINT, "http://traces:9999/custom/path"),
        ]);
        assert_eq!(p.traces, http("http://traces:9999/custom/path"));
        assert_eq!(p.metrics, http("http://base:4318/v1/metrics"));
        // Only a traces endpoint: no metrics export.
        let p = plan(&[(TRACES_ENDPOINT, "http://traces:4318/v1/traces")]);
        assert_eq!(p.metrics, None);
        // gRPC uses the base as it is.
        let p = plan(&[(ENDPOINT, "http://collector:4317"), (PROTOCOL, "grpc")]);
        assert_eq!(p.traces, grpc("http://collector:4317"));
        assert_eq!(p.metrics, grpc("http://collector:4317"));
        // Per-signal protocols override the general one.
        let p = plan(&[
            (ENDPOINT, "http://c:4317"),
            (PROTOCOL, "grpc"),
            (METRICS_PROTOCOL, "http/protobuf"),
        ]);
        assert_eq!(p.traces, grpc("http://c:4317"));
        assert_eq!(p.metrics, http("http://c:4317/v1/metrics"));
        // The terminal can be kept alongside OTLP.
        let p = plan(&[(ENDPOINT, "http://c:4318"), (TRACEWIRE_TERMINAL, "on")]);
        assert!(p.terminal);
    }

    #[test]
    fn metrics_can_be_switched_off() {
        let p = plan(&[(ENDPOINT, "http://c:4318"), (TRACEWIRE_METRICS, "off")]);
        assert!(!p.metrics_enabled);
        assert_eq!(p.metrics, None);
        assert!(p.traces.is_some());
        let p = resolve(&builder(&[(ENDPOINT, "http://c:4318")]).metrics(false)).unwrap();
        assert!(!p.metrics_enabled);
        assert_eq!(p.metrics, None);
    }

    #[test]
    fn batch_settings_from_the_environment() {
        let p = plan(&[
            (BSP_MAX_QUEUE_SIZE, "100"),
            (BSP_MAX_EXPORT_BATCH_SIZE, "500"),
            (BSP_SCHEDULE_DELAY, "250"),
            (TIMEOUT, "1500"),
            (METRIC_EXPORT_INTERVAL, "1000"),
        ]);
        assert_eq!(
            p.batch,
            BatchConfig {
                queue_size: 100,
                max_export_batch_size: 100, // capped at the queue size
                schedule_delay: Duration::from_millis(250),
                export_timeout: Duration::from_millis(1500),
            }
        );
        assert_eq!(p.metric_interval, Duration::from_secs(1));
    }

    #[test]
    fn blank_values_count_as_unset() {
        let p = plan(&[(ENDPOINT, "  "), (TRACES_SAMPLER, ""), (SDK_DISABLED, "")]);
        assert_eq!(p.traces, None);
    }

    #[test]
    fn bad_values_name_the_variable_the_value_and_what_is_valid() {
        let cases: &[(&str, &str, &[&str])] = &[
            (SDK_DISABLED, "yes", &["true or false"]),
            (
                TRACES_SAMPLER,
                "sometimes",
                &["always_on", "parentbased_traceidratio"],
            ),
            (
                PROTOCOL,
                "http/json",
                &["grpc or http/protobuf", "not supported"],
            ),
            (PROTOCOL, "udp", &["grpc or http/protobuf"]),
            (TRACES_PROTOCOL, "thrift", &["grpc or http/protobuf"]),
            (ENDPOINT, "localhost:4318", &["http://"]),
            (ENDPOINT, "https://collector:4318", &["no TLS"]),
            (TRACES_ENDPOINT, "not a url", &["http://"]),
            (RESOURCE_ATTRIBUTES, "team", &["key=value"]),
            (RESOURCE_ATTRIBUTES, "=x", &["key=value"]),
            (RESOURCE_ATTRIBUTES, "team=a%2", &["percent-encoded"]),
            (RESOURCE_ATTRIBUTES, "team=%ff", &["percent-encoded"]),
            (BSP_MAX_QUEUE_SIZE, "0", &["at least 1"]),
            (BSP_MAX_QUEUE_SIZE, "lots", &["whole number"]),
            (BSP_SCHEDULE_DELAY, "5s", &["milliseconds"]),
            (TIMEOUT, "-1", &["milliseconds"]),
            (METRIC_EXPORT_INTERVAL, "0", &["milliseconds"]),
            (TRACEWIRE_METRICS, "maybe", &["on, off"]),
            (TRACEWIRE_TERMINAL, "2", &["on, off"]),
            (TRACEWIRE_TERMINAL_RATE, "fast", &["whole number"]),
            (TRACEWIRE_TERMINAL_RATE, "-1", &["whole number"]),
            (TRACEWIRE_TERMINAL_SUMMARY_PERIOD, "0", &["milliseconds"]),
            (
                TRACEWIRE_TERMINAL_GRACE_PERIOD,
                "1s",
                &["milliseconds (0 or more)"],
            ),
        ];
        for (var, value, expected) in cases {
            let message = error(&[(var, value)]);
            assert!(message.contains(var), "{message}");
            assert!(message.contains(&format!("\"{value}\"")), "{message}");
            for part in *expected {
                assert!(message.contains(part), "{message} lacks {part:?}");
            }
        }
        let message = error(&[
            (TRACES_SAMPLER, "traceidratio"),
            (TRACES_SAMPLER_ARG, "1.5"),
        ]);
        assert!(message.contains(TRACES_SAMPLER_ARG), "{message}");
        assert!(message.contains("\"1.5\""), "{message}");
        assert!(message.contains("from 0 to 1"), "{message}");
    }

    #[test]
    fn bad_code_settings_name_the_method() {
        let cases = [
            (Telemetry::builder().endpoint("ftp://x"), "endpoint"),
            (
                Telemetry::builder().export_queue_size(0),
                "export_queue_size",
            ),
            (
                Telemetry::builder().export_timeout(Duration::ZERO),
                "export_timeout",
            ),
            (Telemetry::builder().service_name(" "), "service_name"),
        ];
        for (builder, setting) in cases {
            let message = resolve(&builder.env_vars([("", "")]))
                .unwrap_err()
                .to_string();
            assert!(message.contains(setting), "{message}");
        }
    }

    /// The error `install` returns; on these paths it installs nothing.
    #[cfg(any(not(feature = "otlp"), not(feature = "terminal")))]
    fn install_error(builder: TelemetryBuilder) -> String {
        builder.install().unwrap_err().to_string()
    }

    #[cfg(any(not(feature = "otlp"), not(feature = "terminal")))]
    fn enable(feature: &str) -> String {
        format!(
            ", but tracewire was built without its `{feature}` feature: enable it with \
             `tracewire = {{ version = \"{}.{}\", features = [\"{feature}\"] }}`",
            env!("CARGO_PKG_VERSION_MAJOR"),
            env!("CARGO_PKG_VERSION_MINOR"),
        )
    }

    #[cfg(not(feature = "otlp"))]
    #[test]
    fn an_endpoint_without_the_otlp_feature_names_the_feature() {
        assert_eq!(
            install_error(builder(&[(ENDPOINT, "http://localhost:4318")])),
            format!("OTEL_EXPORTER_OTLP_ENDPOINT is set{}", enable("otlp")),
        );
        let traces_only = [
            (TRACES_ENDPOINT, "http://c:4318/v1/traces"),
            (TRACEWIRE_TERMINAL, "off"),
        ];
        assert_eq!(
            install_error(builder(&traces_only)),
            format!(
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set{}",
                enable("otlp")
            ),
        );
        assert_eq!(
            install_error(builder(&[]).endpoint("http://c:4318")),
            format!(
                "Telemetry::builder().endpoint(..) sets an endpoint{}",
                enable("otlp")
            ),
        );
        // A metrics endpoint with metrics off asks for no OTLP export.
        let unused = builder(&[
            (METRICS_ENDPOINT, "http://c:4318/v1/metrics"),
            (TRACEWIRE_METRICS, "off"),
            (TRACEWIRE_TERMINAL, "off"),
        ]);
        check_features(&unused, &resolve(&unused).unwrap()).unwrap();
        let disabled = builder(&[(SDK_DISABLED, "true"), (ENDPOINT, "http://c:4318")]);
        assert!(!disabled.install().unwrap().is_active());
    }

    #[cfg(not(feature = "terminal"))]
    #[test]
    fn the_terminal_without_its_feature_names_the_feature() {
        assert_eq!(
            install_error(builder(&[])),
            format!(
                "no OTLP endpoint is set and TRACEWIRE_TERMINAL is not off, so traces would \
                 print to the terminal{}",
                enable("terminal")
            ),
        );
        assert_eq!(
            install_error(builder(&[(TRACEWIRE_TERMINAL, "on")])),
            format!("TRACEWIRE_TERMINAL is on{}", enable("terminal")),
        );
        assert_eq!(
            install_error(builder(&[]).terminal(true)),
            format!(
                "Telemetry::builder().terminal(true) asks for the terminal{}",
                enable("terminal")
            ),
        );
        // Switched off, the terminal needs no feature.
        let off = builder(&[(TRACEWIRE_TERMINAL, "off")]);
        check_features(&off, &resolve(&off).unwrap()).unwrap();
        let disabled = builder(&[(SDK_DISABLED, "true")]);
        assert!(!disabled.install().unwrap().is_active());
    }

    #[test]
    fn sdk_disabled_values() {
        let env = |value: &'static str| {
            move |name: &str| (name == SDK_DISABLED).then(|| value.to_owned())
        };
        assert!(sdk_disabled(&Env(&env("true"))).unwrap());
        assert!(sdk_disabled(&Env(&env("TRUE"))).unwrap());
        assert!(!sdk_disabled(&Env(&env("false"))).unwrap());
        assert!(sdk_disabled(&Env(&env("1"))).is_err());
    }
}
