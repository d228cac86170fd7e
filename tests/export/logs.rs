//! OTLP log export (features `otlp` and `tracing`): log records emitted
//! into the logger provider `init()` installs (what the `tracing` bridge
//! emits into) reach the tests' own receiver over both protocols, over TLS,
//! with their body, severity, attributes and the trace and span ids of the
//! span they were emitted in; and the variables that choose where logs go.

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::trace::TraceContextExt as _;
use tracewire::export::Protocol;
use tracewire::prelude::*;
use tracewire::tracing::GlobalSubscriber;
use tracewire::{Telemetry, TelemetryGuard};

use crate::export_support::certs::TestPki;
use crate::export_support::receiver::{Received, Receiver, ServerTls};
use crate::export_support::serial;

/// Emits one record inside this handler's span, as the bridge does for a
/// `tracing::warn!` in a traced handler; returns the span's ids.
#[traced]
fn reserve(guard: &TelemetryGuard, sku: &str) -> (String, String) {
    let provider = guard.logger_provider().expect("logs are exported");
    let logger = provider.logger("inventory");
    let mut record = logger.create_log_record();
    record.set_body(AnyValue::from(format!("{sku} is low on stock")));
    record.set_severity_number(Severity::Warn);
    record.set_severity_text("WARN");
    record.add_attribute("sku", sku.to_owned());
    record.add_attribute("left", 2_i64);
    logger.emit(record);
    let cx = opentelemetry::Context::current();
    let span = cx.span();
    let ids = span.span_context();
    (ids.trace_id().to_string(), ids.span_id().to_string())
}

#[test]
fn log_records_reach_the_receiver_with_their_span_over_both_protocols() {
    let _serial = serial();
    let pki = TestPki::generate("logs");
    for (protocol, name) in [
        (Protocol::HttpProtobuf, "http/protobuf"),
        (Protocol::Grpc, "grpc"),
    ] {
        let receiver = Receiver::start(
            Some(ServerTls {
                pki: &pki,
                require_client_cert: false,
            }),
            Vec::new(),
        );
        let endpoint = receiver.endpoint();
        // Logs from their own variable over gRPC (used as it is), from the
        // general one over http/protobuf (`/v1/logs` appended).
        let mut vars = vec![
            ("OTEL_EXPORTER_OTLP_PROTOCOL", name.to_owned()),
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", pki.ca_file()),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip".to_owned()),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "x-api-key=logs-key".to_owned(),
            ),
            ("OTEL_SERVICE_NAME", "logs-e2e".to_owned()),
            ("TRACEWIRE_METRICS", "off".to_owned()),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.clone()),
        ];
        if protocol == Protocol::Grpc {
            vars.push(("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", endpoint.clone()));
        }
        let mut guard = Telemetry::builder()
            .env_vars(vars)
            .install()
            .expect("install");
        let (trace_id, span_id) = reserve(&guard, "sku-42");
        guard.shutdown().unwrap_or_else(|e| panic!("{name}: {e}"));

        let received = receiver.wait_for("the log record and its span", |received| {
            received.iter().any(|r| !r.logs.is_empty())
                && received.iter().any(|r| !r.spans.is_empty())
        });
        let logs: Vec<&Received> = received.iter().filter(|r| r.is_logs()).collect();
        for request in &logs {
            assert_eq!(request.grpc, protocol == Protocol::Grpc, "{name}");
            let expected_path = if request.grpc {
                "/opentelemetry.proto.collector.logs.v1.LogsService/Export"
            } else {
                "/v1/logs"
            };
            assert_eq!(request.path, expected_path, "{name}");
            assert_eq!(request.header("x-api-key"), Some("logs-key"), "{name}");
            assert_eq!(request.encoding.as_deref(), Some("gzip"), "{name}");
        }
        let records: Vec<_> = logs.iter().flat_map(|r| &r.logs).collect();
        assert_eq!(records.len(), 1, "{name}: {records:#?}");
        let record = records[0];
        assert_eq!(record.body, "sku-42 is low on stock", "{name}");
        assert_eq!(record.severity_number, Severity::Warn as i32, "{name}");
        assert_eq!(record.severity_text, "WARN", "{name}");
        assert_eq!(record.attributes["sku"], "sku-42", "{name}");
        assert_eq!(record.attributes["left"], "2", "{name}");
        assert_eq!(record.scope, "inventory", "{name}");
        assert_eq!(record.service_name, "logs-e2e", "{name}");
        assert_eq!(
            (&record.trace_id, &record.span_id),
            (&trace_id, &span_id),
            "{name}"
        );
        // The span it names is the one exported.
        let span = received
            .iter()
            .flat_map(|r| &r.spans)
            .find(|s| s.name == "reserve")
            .unwrap_or_else(|| panic!("{name}: no span in {received:#?}"));
        assert_eq!(
            (&span.trace_id, &span.span_id),
            (&trace_id, &span_id),
            "{name}"
        );
    }
}

#[test]
fn the_logs_exporter_variable_chooses_where_logs_go() {
    let _serial = serial();
    let install = |vars: &[(&'static str, &'static str)]| {
        let mut vars = vars.to_vec();
        vars.push(("TRACEWIRE_METRICS", "off"));
        vars.push(("TRACEWIRE_TERMINAL", "off"));
        Telemetry::builder().env_vars(vars).install()
    };
    // Nothing configured: no log export.
    let guard = install(&[]).expect("installs");
    assert!(guard.logger_provider().is_none());
    drop(guard);
    // An endpoint exports logs with the other signals, unless told not to.
    let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9");
    let guard = install(&[endpoint]).expect("installs");
    assert!(guard.logger_provider().is_some());
    drop(guard);
    let guard = install(&[endpoint, ("OTEL_LOGS_EXPORTER", "none")]).expect("installs");
    assert!(guard.logger_provider().is_none());
    drop(guard);
    // Their own endpoint alone.
    let logs_only = (
        "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
        "http://127.0.0.1:9/v1/logs",
    );
    let guard = install(&[logs_only]).expect("installs");
    assert!(guard.logger_provider().is_some());
    drop(guard);
    // `console` is not a logs exporter: the terminal trees show events.
    let error = install(&[("OTEL_LOGS_EXPORTER", "console")]).expect_err("refused");
    let message = error.to_string();
    assert!(message.contains("OTEL_LOGS_EXPORTER"), "{message}");
    assert!(message.contains("console is not supported"), "{message}");
}

/// Warns through `tracing`, inside this handler's span; returns the span's
/// ids.
#[traced]
fn restock(sku: &str) -> (String, String) {
    tracing::warn!(sku, left = 2_i64, "low on stock");
    let cx = opentelemetry::Context::current();
    let span = cx.span();
    let ids = span.span_context();
    (ids.trace_id().to_string(), ids.span_id().to_string())
}

#[test]
fn a_tracing_event_in_a_traced_handler_is_exported_as_a_log_record_of_its_span() {
    let _serial = serial();
    let receiver = Receiver::start(None, Vec::new());
    let mut guard = Telemetry::builder()
        .env_vars([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
            ("OTEL_SERVICE_NAME", "logs-bridge".to_owned()),
            ("TRACEWIRE_METRICS", "off".to_owned()),
        ])
        .install()
        .expect("install");
    // The first `init()` in this process installs the `tracing` subscriber,
    // whose bridge emits into the logger provider `init()` installed.
    assert_eq!(guard.tracing_subscriber(), GlobalSubscriber::Installed);
    let (trace_id, span_id) = restock("sku-7");
    guard.shutdown().expect("shutdown");

    let received = receiver.wait_for("the log record", |received| {
        received.iter().any(|r| !r.logs.is_empty())
    });
    let records: Vec<_> = received
        .iter()
        .flat_map(|r| &r.logs)
        .filter(|record| record.body == "low on stock")
        .collect();
    assert_eq!(records.len(), 1, "{received:#?}");
    let record = records[0];
    assert_eq!(record.severity_number, Severity::Warn as i32);
    assert_eq!(record.severity_text, "WARN");
    assert_eq!(record.attributes["sku"], "sku-7");
    assert_eq!(record.attributes["left"], "2");
    assert_eq!(record.service_name, "logs-bridge");
    assert_eq!((&record.trace_id, &record.span_id), (&trace_id, &span_id));
}
