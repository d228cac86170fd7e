//! The configuration's unit tests: what each variable and setting resolves
//! to, and the errors bad values give.

use std::time::Duration;

use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::Sampler;

use super::otlp::OtlpTarget;
use super::plan::*;
use super::vars::*;
use crate::Telemetry;
use crate::export::{BatchConfig, Protocol, TelemetryBuilder};

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
    let env =
        |value: &'static str| move |name: &str| (name == SDK_DISABLED).then(|| value.to_owned());
    assert!(sdk_disabled(&Env(&env("true"))).unwrap());
    assert!(sdk_disabled(&Env(&env("TRUE"))).unwrap());
    assert!(!sdk_disabled(&Env(&env("false"))).unwrap());
    assert!(sdk_disabled(&Env(&env("1"))).is_err());
}
