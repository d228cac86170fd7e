//! The plan: every setting resolved from the builder and the environment,
//! validated; and the refusal of a plan that needs an exporter this build
//! leaves out.

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry::{Key, KeyValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::resource::{ResourceDetector as _, TelemetryResourceDetector};
use opentelemetry_sdk::trace::{Sampler, SpanLimits};

use super::super::processor::BatchConfig;
use super::super::{InitError, TelemetryBuilder};
use super::otlp::{OtlpTarget, export_timeout, target};
use super::sdk::{propagators_from_env, span_limits, temporality};
use super::vars::*;
use crate::carrier::Propagators;

/// Everything `install` needs, resolved and validated.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) resource: Resource,
    pub(crate) sampler: Sampler,
    pub(crate) span_limits: SpanLimits,
    /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`: longer string values are cut
    /// (by the span processors, which builds without exporters lack).
    #[cfg_attr(not(any(feature = "otlp", feature = "terminal")), allow(dead_code))]
    pub(crate) attribute_value_length: Option<usize>,
    pub(crate) propagators: Propagators,
    /// Traces over OTLP.
    pub(crate) traces: Option<OtlpTarget>,
    /// Traces printed as trees (`console`).
    pub(crate) terminal: bool,
    // Read only by the terminal exporter's set-up.
    #[cfg_attr(not(feature = "terminal"), allow(dead_code))]
    pub(crate) terminal_pacing: TerminalPacing,
    /// Metrics over OTLP: `Some` when metrics are on and go there.
    pub(crate) metrics: Option<OtlpTarget>,
    /// Log records over OTLP (from the `tracing` bridge; built only with
    /// the `otlp` and `tracing` features).
    #[cfg_attr(not(all(feature = "otlp", feature = "tracing")), allow(dead_code))]
    pub(crate) logs: Option<OtlpTarget>,
    /// Metrics printed to stderr (`console`).
    pub(crate) console_metrics: bool,
    pub(crate) metrics_enabled: bool,
    // Resolved and checked in every build, read only by the metric
    // exporters.
    #[cfg_attr(not(any(feature = "otlp", feature = "terminal")), allow(dead_code))]
    pub(crate) metric_temporality: Temporality,
    #[cfg_attr(not(any(feature = "otlp", feature = "terminal")), allow(dead_code))]
    pub(crate) metric_interval: Duration,
    pub(crate) batch: BatchConfig,
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

/// What `OTEL_TRACES_EXPORTER` or `OTEL_METRICS_EXPORTER` names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Exporters {
    otlp: bool,
    console: bool,
}

/// Reads an `OTEL_*_EXPORTER` list: `otlp`, `console`, or `none` alone.
fn exporters(env: &Env<'_>, var: &'static str) -> Result<Option<Exporters>, InitError> {
    const EXPECTED: &str = "otlp, console or none, or a comma-separated list of otlp and \
                            console (zipkin, prometheus and others are not part of tracewire)";
    let Some(value) = env.get(var) else {
        return Ok(None);
    };
    let mut exporters = Exporters::default();
    let mut none = false;
    for name in name_list(&value) {
        match name.as_str() {
            "otlp" => exporters.otlp = true,
            "console" => exporters.console = true,
            "none" => none = true,
            _ => return Err(invalid_env(var, &value, EXPECTED)),
        }
    }
    if none && exporters != Exporters::default() {
        return Err(invalid_env(
            var,
            &value,
            "none alone (it means no exporter), or otlp and console",
        ));
    }
    Ok(Some(exporters))
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
    let names = |var: &'static str, name: &str| {
        env.get(var)
            .filter(|value| name_list(value).iter().any(|n| n == name))
            .map(|value| format!("{var}={value} asks for it"))
    };
    if !cfg!(feature = "otlp")
        && (plan.traces.is_some() || plan.metrics.is_some() || plan.logs.is_some())
    {
        let reason = if builder.endpoint.is_some() {
            "Telemetry::builder().endpoint(..) sets an endpoint".to_owned()
        } else if let Some(var) = [ENDPOINT, TRACES_ENDPOINT, METRICS_ENDPOINT, LOGS_ENDPOINT]
            .into_iter()
            .find(|var| env.get(var).is_some())
        {
            format!("{var} is set")
        } else {
            names(TRACES_EXPORTER, "otlp")
                .or_else(|| names(METRICS_EXPORTER, "otlp"))
                .or_else(|| names(LOGS_EXPORTER, "otlp"))
                .unwrap_or_else(|| "OTLP export is asked for".to_owned())
        };
        return Err(InitError::FeatureDisabled {
            feature: "otlp",
            reason,
        });
    }
    // Log records come from `tracing` events: asked for by name, without
    // the bridge there would be nothing to send, in silence. (The general
    // endpoint alone asks for no signal in particular.)
    if !cfg!(feature = "tracing")
        && plan.logs.is_some()
        && let Some(reason) = env
            .get(LOGS_ENDPOINT)
            .map(|_| format!("{LOGS_ENDPOINT} is set"))
            .or_else(|| names(LOGS_EXPORTER, "otlp"))
    {
        return Err(InitError::FeatureDisabled {
            feature: "tracing",
            reason: format!("{reason}, and log records come from `tracing` events"),
        });
    }
    if !cfg!(feature = "terminal") && (plan.terminal || plan.console_metrics) {
        let reason = if plan.terminal && builder.terminal.is_some() {
            "Telemetry::builder().terminal(true) asks for the terminal".to_owned()
        } else if plan.terminal && env.get(TRACEWIRE_TERMINAL).is_some() {
            format!("{TRACEWIRE_TERMINAL} is on")
        } else if let Some(reason) = plan
            .terminal
            .then(|| names(TRACES_EXPORTER, "console"))
            .flatten()
            .or_else(|| names(METRICS_EXPORTER, "console"))
        {
            reason
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
    let propagators = match builder.propagators {
        Some(propagators) => propagators,
        None => propagators_from_env(&env)?,
    };
    let (span_limits, attribute_value_length) = span_limits(&env)?;

    // Traces: over OTLP when an endpoint is set in code, otherwise as
    // OTEL_TRACES_EXPORTER says, otherwise when an endpoint variable is set;
    // as trees when the terminal switch says so, otherwise as
    // OTEL_TRACES_EXPORTER says, otherwise when there is no OTLP export.
    let traces_exporters = exporters(&env, TRACES_EXPORTER)?;
    let traces = target(
        builder,
        &env,
        &TRACES,
        traces_exporters.is_some_and(|e| e.otlp),
    )?
    .filter(|_| builder.endpoint.is_some() || traces_exporters.is_none_or(|e| e.otlp));
    let terminal = match builder.terminal {
        Some(enabled) => enabled,
        None => on_off(&env, TRACEWIRE_TERMINAL)?.unwrap_or(match traces_exporters {
            Some(exporters) => exporters.console,
            None => traces.is_none(),
        }),
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

    // Metrics: on unless switched off (OTEL_METRICS_EXPORTER=none switches
    // them off too), then exported as for traces; `console` prints them.
    let metrics_exporters = exporters(&env, METRICS_EXPORTER)?;
    let metrics_enabled = match builder.metrics {
        Some(enabled) => enabled,
        None => on_off(&env, TRACEWIRE_METRICS)?
            .unwrap_or(metrics_exporters != Some(Exporters::default())),
    };
    let metrics = target(
        builder,
        &env,
        &METRICS,
        metrics_exporters.is_some_and(|e| e.otlp),
    )?
    .filter(|_| {
        metrics_enabled && (builder.endpoint.is_some() || metrics_exporters.is_none_or(|e| e.otlp))
    });
    let console_metrics = metrics_enabled && metrics_exporters.is_some_and(|e| e.console);

    // Logs: exported as traces are. There is no `console` for them: the
    // terminal trees show `tracing` events under their spans already.
    let logs_exporters = exporters(&env, LOGS_EXPORTER)?;
    if let Some(value) = env.get(LOGS_EXPORTER)
        && logs_exporters.is_some_and(|e| e.console)
    {
        return Err(invalid_env(
            LOGS_EXPORTER,
            &value,
            "otlp or none (console is not supported: the terminal trace trees show `tracing` \
             events under their spans)",
        ));
    }
    let logs = target(builder, &env, &LOGS, logs_exporters.is_some_and(|e| e.otlp))?
        .filter(|_| builder.endpoint.is_some() || logs_exporters.is_none_or(|e| e.otlp));
    let metric_temporality = temporality(&env)?;

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
    let export_timeout = export_timeout(builder, &env, &TRACES)?;
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
        span_limits,
        attribute_value_length,
        propagators,
        traces,
        terminal,
        terminal_pacing,
        metrics,
        logs,
        console_metrics,
        metrics_enabled,
        metric_temporality,
        metric_interval,
        batch: BatchConfig {
            queue_size,
            max_export_batch_size,
            schedule_delay,
            export_timeout,
        },
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
