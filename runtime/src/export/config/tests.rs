//! The configuration's unit tests: what each variable and setting resolves
//! to, and the errors bad values give.

use std::time::Duration;

use opentelemetry::{Key, Value};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::trace::Sampler;

use super::otlp::{OtlpTarget, TlsFiles};
use super::plan::*;
use super::vars::*;
use crate::Telemetry;
use crate::export::{BatchConfig, Compression, Protocol, TelemetryBuilder};

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

/// Where a target sends, and how.
fn at(target: &Option<OtlpTarget>) -> Option<(String, Protocol)> {
    target
        .as_ref()
        .map(|target| (target.endpoint.clone(), target.protocol))
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
    let http = |endpoint: &str| Some((endpoint.to_owned(), Protocol::HttpProtobuf));
    assert_eq!(at(&plan.traces), http("http://code:4318/v1/traces"));
    assert_eq!(at(&plan.metrics), http("http://code:4318/v1/metrics"));
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
    let http = |endpoint: &str| Some((endpoint.to_owned(), Protocol::HttpProtobuf));
    let grpc = |endpoint: &str| Some((endpoint.to_owned(), Protocol::Grpc));
    // A base URL gets each signal's path appended (http/protobuf is the default).
    let p = plan(&[(ENDPOINT, "http://collector:4318/")]);
    assert_eq!(at(&p.traces), http("http://collector:4318/v1/traces"));
    assert_eq!(at(&p.metrics), http("http://collector:4318/v1/metrics"));
    assert!(!p.terminal, "an endpoint replaces the terminal by default");
    // A base URL with a path keeps it.
    let p = plan(&[(ENDPOINT, "http://gw/otlp")]);
    assert_eq!(at(&p.traces), http("http://gw/otlp/v1/traces"));
    // A signal's own endpoint is used as is, and wins over the base.
    let p = plan(&[
        (ENDPOINT, "http://base:4318"),
        (TRACES_ENDPOINT, "http://traces:9999/custom/path"),
    ]);
    assert_eq!(at(&p.traces), http("http://traces:9999/custom/path"));
    assert_eq!(at(&p.metrics), http("http://base:4318/v1/metrics"));
    // Only a traces endpoint: no metrics export.
    let p = plan(&[(TRACES_ENDPOINT, "http://traces:4318/v1/traces")]);
    assert_eq!(p.metrics, None);
    // gRPC uses the base as it is.
    let p = plan(&[(ENDPOINT, "http://collector:4317"), (PROTOCOL, "grpc")]);
    assert_eq!(at(&p.traces), grpc("http://collector:4317"));
    assert_eq!(at(&p.metrics), grpc("http://collector:4317"));
    // Per-signal protocols override the general one.
    let p = plan(&[
        (ENDPOINT, "http://c:4317"),
        (PROTOCOL, "grpc"),
        (METRICS_PROTOCOL, "http/protobuf"),
    ]);
    assert_eq!(at(&p.traces), grpc("http://c:4317"));
    assert_eq!(at(&p.metrics), http("http://c:4317/v1/metrics"));
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
        (
            ENDPOINT,
            "ftp://collector:4318",
            &["https://host:port", "http://host:port"],
        ),
        (ENDPOINT, "http://", &["absolute URL with a host"]),
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
    // OTLP asked for by name, without an endpoint (the default one).
    assert_eq!(
        install_error(builder(&[(TRACES_EXPORTER, "otlp")])),
        format!("OTEL_TRACES_EXPORTER=otlp asks for it{}", enable("otlp")),
    );
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
    // `console` is the terminal, for traces and for metrics.
    assert_eq!(
        install_error(builder(&[(TRACES_EXPORTER, "console")])),
        format!(
            "OTEL_TRACES_EXPORTER=console asks for it{}",
            enable("terminal")
        ),
    );
    assert_eq!(
        install_error(builder(&[
            (METRICS_EXPORTER, "console"),
            (TRACEWIRE_TERMINAL, "off")
        ])),
        format!(
            "OTEL_METRICS_EXPORTER=console asks for it{}",
            enable("terminal")
        ),
    );
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

#[test]
fn an_endpoint_without_a_scheme_means_tls_unless_insecure() {
    let p = plan(&[(ENDPOINT, "collector.example.com:4318")]);
    let traces = p.traces.unwrap();
    assert_eq!(
        traces.endpoint,
        "https://collector.example.com:4318/v1/traces"
    );
    assert_eq!(
        traces.tls,
        Some(TlsFiles::default()),
        "TLS with the built-in roots"
    );
    // INSECURE only turns a scheme-less endpoint into plain text.
    let p = plan(&[
        (ENDPOINT, "collector:4317"),
        (PROTOCOL, "grpc"),
        (INSECURE, "true"),
    ]);
    assert_eq!(
        at(&p.traces),
        Some(("http://collector:4317".into(), Protocol::Grpc))
    );
    assert_eq!(p.traces.unwrap().tls, None);
    let p = plan(&[(ENDPOINT, "https://c:4318"), (INSECURE, "true")]);
    assert!(
        p.traces.unwrap().tls.is_some(),
        "an explicit https:// stays TLS"
    );
    // The per-signal form wins.
    let p = plan(&[
        (ENDPOINT, "c:4318"),
        (INSECURE, "true"),
        (TRACES.insecure, "false"),
    ]);
    assert!(p.traces.unwrap().endpoint.starts_with("https://"));
    assert!(p.metrics.unwrap().endpoint.starts_with("http://"));
    let p = plan(&[(ENDPOINT, "http://c:4318")]);
    assert_eq!(p.traces.unwrap().tls, None);
}

#[test]
fn certificates_per_signal_and_for_mutual_tls() {
    let p = plan(&[
        (ENDPOINT, "https://c:4318"),
        (CERTIFICATE, "/etc/ca.pem"),
        (METRICS.certificate, "/etc/metrics-ca.pem"),
        (CLIENT_CERTIFICATE, "/etc/client.pem"),
        (CLIENT_KEY, "/etc/client.key"),
    ]);
    let from = |var, value: &str| FromVar {
        var,
        value: value.into(),
    };
    let traces = p.traces.unwrap().tls.unwrap();
    assert_eq!(traces.ca, Some(from(CERTIFICATE, "/etc/ca.pem")));
    let client = traces.client.unwrap();
    assert_eq!(
        client.certificate,
        from(CLIENT_CERTIFICATE, "/etc/client.pem")
    );
    assert_eq!(client.key, from(CLIENT_KEY, "/etc/client.key"));
    let metrics = p.metrics.unwrap().tls.unwrap();
    assert_eq!(
        metrics.ca,
        Some(from(METRICS.certificate, "/etc/metrics-ca.pem"))
    );

    let message = error(&[(ENDPOINT, "https://c"), (CLIENT_CERTIFICATE, "/c.pem")]);
    assert!(
        message.contains(CLIENT_CERTIFICATE) && message.contains(CLIENT_KEY),
        "{message}"
    );
    let message = error(&[(ENDPOINT, "https://c"), (TRACES.client_key, "/k.pem")]);
    assert!(message.contains(TRACES.client_key), "{message}");
    // A certificate for a plain-text endpoint: TLS was expected and would
    // not happen.
    let message = error(&[(ENDPOINT, "http://c:4318"), (CERTIFICATE, "/etc/ca.pem")]);
    assert!(
        message.starts_with("invalid OTEL_EXPORTER_OTLP_CERTIFICATE=\"/etc/ca.pem\""),
        "{message}"
    );
    assert!(
        message.contains("http://c:4318/v1/traces is http://"),
        "{message}"
    );
}

#[test]
fn headers_from_the_environment_and_from_code() {
    let p = resolve(
        &builder(&[
            (ENDPOINT, "https://c"),
            (HEADERS, "x-api-key=env%20key,x-team=a"),
            (METRICS.headers, "x-api-key=metrics-key"),
        ])
        .header("x-team", "code"),
    )
    .unwrap();
    let traces = p.traces.unwrap().headers;
    assert_eq!(traces.names(), ["x-api-key", "x-team"]);
    assert_eq!(traces.get("x-api-key"), Some("env key"));
    assert_eq!(traces.get("x-team"), Some("code"), "code wins");
    // A signal's own list replaces the general one.
    let metrics = p.metrics.unwrap().headers;
    assert_eq!(metrics.get("x-api-key"), Some("metrics-key"));
    assert_eq!(metrics.get("x-team"), Some("code"));

    let message = error(&[(TRACES.headers, "x-api-key=s3cr3t%zz")]);
    assert!(
        message.starts_with(&format!("invalid {}: ", TRACES.headers)),
        "{message}"
    );
    assert!(!message.contains("s3cr3t"), "{message}");
}

#[test]
fn no_header_value_in_debug_output() {
    let builder = builder(&[(ENDPOINT, "https://c"), (HEADERS, "x-api-key=env-s3cr3t")])
        .header("authorization", "Bearer code-s3cr3t");
    let debug = format!("{builder:?}");
    assert!(debug.contains("authorization"), "{debug}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    let debug = format!("{:?}", resolve(&builder).unwrap());
    assert!(
        debug.contains("x-api-key") && debug.contains("authorization"),
        "{debug}"
    );
    assert!(!debug.contains("s3cr3t"), "{debug}");
}

#[test]
fn compression_and_timeouts_per_signal() {
    let p = plan(&[
        (ENDPOINT, "https://c"),
        (COMPRESSION, "gzip"),
        (METRICS.compression, "none"),
        (TIMEOUT, "2000"),
        (TRACES.timeout, "1500"),
    ]);
    let (traces, metrics) = (p.traces.unwrap(), p.metrics.unwrap());
    assert_eq!(traces.compression, Compression::Gzip);
    assert_eq!(metrics.compression, Compression::None);
    assert_eq!(traces.timeout, Duration::from_millis(1500));
    assert_eq!(p.batch.export_timeout, Duration::from_millis(1500));
    assert_eq!(metrics.timeout, Duration::from_millis(2000));
    let p = resolve(
        &builder(&[(ENDPOINT, "https://c"), (COMPRESSION, "gzip")]).compression(Compression::None),
    )
    .unwrap();
    assert_eq!(
        p.traces.unwrap().compression,
        Compression::None,
        "code wins"
    );
    assert!(error(&[(COMPRESSION, "zstd")]).contains("expected gzip or none"));
    assert!(error(&[(METRICS.timeout, "soon")]).contains(METRICS.timeout));
}

#[test]
fn the_exporter_variables_choose_the_exporters() {
    /// What a plan exports, in the order of the table below.
    #[derive(Debug, PartialEq)]
    struct Chosen {
        otlp_traces: bool,
        terminal: bool,
        otlp_metrics: bool,
        console_metrics: bool,
        metrics_on: bool,
    }
    let chosen = |otlp_traces, terminal, otlp_metrics, console_metrics, metrics_on| Chosen {
        otlp_traces,
        terminal,
        otlp_metrics,
        console_metrics,
        metrics_on,
    };
    // (variables, OTLP traces, terminal, OTLP metrics, console metrics,
    // metrics on)
    type Vars = &'static [(&'static str, &'static str)];
    let cases: Vec<(Vars, Chosen)> = vec![
        (&[], chosen(false, true, false, false, true)),
        (
            &[(ENDPOINT, "http://c")],
            chosen(true, false, true, false, true),
        ),
        (
            &[(TRACES_EXPORTER, "otlp")],
            chosen(true, false, false, false, true),
        ),
        (
            &[(TRACES_EXPORTER, "console"), (ENDPOINT, "http://c")],
            chosen(false, true, true, false, true),
        ),
        (
            &[(TRACES_EXPORTER, "otlp,console"), (ENDPOINT, "http://c")],
            chosen(true, true, true, false, true),
        ),
        (
            &[(TRACES_EXPORTER, "none"), (ENDPOINT, "http://c")],
            chosen(false, false, true, false, true),
        ),
        (
            &[(TRACES_EXPORTER, "none"), (TRACEWIRE_TERMINAL, "on")],
            chosen(false, true, false, false, true),
        ),
        (
            &[(METRICS_EXPORTER, "none"), (ENDPOINT, "http://c")],
            chosen(true, false, false, false, false),
        ),
        (
            &[(METRICS_EXPORTER, "console")],
            chosen(false, true, false, true, true),
        ),
        (
            &[(METRICS_EXPORTER, "otlp")],
            chosen(false, true, true, false, true),
        ),
        (
            &[(METRICS_EXPORTER, "OTLP, console"), (ENDPOINT, "http://c")],
            chosen(true, false, true, true, true),
        ),
        (
            &[(METRICS_EXPORTER, "console"), (TRACEWIRE_METRICS, "off")],
            chosen(false, true, false, false, false),
        ),
    ];
    for (vars, expected) in cases {
        let p = plan(vars);
        let got = chosen(
            p.traces.is_some(),
            p.terminal,
            p.metrics.is_some(),
            p.console_metrics,
            p.metrics_enabled,
        );
        assert_eq!(got, expected, "{vars:?}");
    }
    // `otlp` without an endpoint: the specification's default, per protocol.
    let p = plan(&[
        (TRACES_EXPORTER, "otlp"),
        (METRICS_EXPORTER, "otlp"),
        (METRICS.protocol, "grpc"),
    ]);
    assert_eq!(
        at(&p.traces),
        Some((
            "http://localhost:4318/v1/traces".into(),
            Protocol::HttpProtobuf
        ))
    );
    assert_eq!(
        at(&p.metrics),
        Some(("http://localhost:4317".into(), Protocol::Grpc))
    );
    // An endpoint in code wins over `none`.
    let p = resolve(&builder(&[(TRACES_EXPORTER, "none")]).endpoint("http://code")).unwrap();
    assert!(p.traces.is_some());

    for (var, value, part) in [
        (TRACES_EXPORTER, "zipkin", "otlp, console or none"),
        (METRICS_EXPORTER, "prometheus", "otlp, console or none"),
        (TRACES_EXPORTER, "none,otlp", "none alone"),
    ] {
        let message = error(&[(var, value)]);
        assert!(message.contains(var) && message.contains(part), "{message}");
    }
}

#[test]
fn propagators_from_the_environment_and_from_code() {
    use crate::carrier::Propagators;
    let cases = [
        (None, Propagators::default()),
        (Some("tracecontext"), Propagators::TRACE_CONTEXT),
        (Some("baggage"), Propagators::BAGGAGE),
        (Some(" baggage , tracecontext "), Propagators::default()),
        (Some("none"), Propagators::NONE),
    ];
    for (value, expected) in cases {
        let vars: Vec<(&str, &str)> = value.map(|v| (PROPAGATORS, v)).into_iter().collect();
        assert_eq!(plan(&vars).propagators, expected, "{value:?}");
    }
    let p = resolve(&builder(&[(PROPAGATORS, "none")]).propagators(Propagators::BAGGAGE)).unwrap();
    assert_eq!(p.propagators, Propagators::BAGGAGE, "code wins");
    for (value, part) in [
        ("b3", "tracecontext and baggage"),
        ("none,baggage", "none alone"),
    ] {
        let message = error(&[(PROPAGATORS, value)]);
        assert!(
            message.contains(PROPAGATORS) && message.contains(part),
            "{message}"
        );
    }
}

#[test]
fn span_limits_and_the_value_length_limit() {
    let p = plan(&[]);
    assert_eq!(p.span_limits.max_attributes_per_span, 128);
    assert_eq!(p.span_limits.max_events_per_span, 128);
    assert_eq!(p.attribute_value_length, None);
    let p = plan(&[
        (ATTRIBUTE_COUNT_LIMIT, "10"),
        (SPAN_EVENT_COUNT_LIMIT, "5"),
        (SPAN_LINK_COUNT_LIMIT, "0"),
        (LINK_ATTRIBUTE_COUNT_LIMIT, "2"),
        (ATTRIBUTE_VALUE_LENGTH_LIMIT, "64"),
    ]);
    let limits = p.span_limits;
    assert_eq!(
        (
            limits.max_attributes_per_span,
            limits.max_events_per_span,
            limits.max_links_per_span,
            limits.max_attributes_per_event,
            limits.max_attributes_per_link,
        ),
        (10, 5, 0, 10, 2)
    );
    assert_eq!(p.attribute_value_length, Some(64));
    // The span-specific variables win over the general ones.
    let p = plan(&[
        (ATTRIBUTE_COUNT_LIMIT, "10"),
        (SPAN_ATTRIBUTE_COUNT_LIMIT, "20"),
        (ATTRIBUTE_VALUE_LENGTH_LIMIT, "64"),
        (SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, "32"),
    ]);
    assert_eq!(p.span_limits.max_attributes_per_span, 20);
    assert_eq!(p.attribute_value_length, Some(32));
    let message = error(&[(SPAN_ATTRIBUTE_COUNT_LIMIT, "-1")]);
    assert!(message.contains("0 keeps none"), "{message}");
}

#[test]
fn metric_temporality() {
    assert_eq!(plan(&[]).metric_temporality, Temporality::Cumulative);
    assert_eq!(
        plan(&[(METRICS_TEMPORALITY, "Delta")]).metric_temporality,
        Temporality::Delta
    );
    assert_eq!(
        plan(&[(METRICS_TEMPORALITY, "lowmemory")]).metric_temporality,
        Temporality::LowMemory
    );
    assert!(error(&[(METRICS_TEMPORALITY, "gauge")]).contains("cumulative, delta or lowmemory"));
}
