//! The `OTEL_*` variables beyond the endpoint, through `init` and the real
//! pipeline: propagators reach the carriers, span limits reach the spans a
//! receiver decodes, and `console` prints metrics.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::{Context, KeyValue};
use tracewire::Telemetry;
use tracewire::carrier::{Propagators, extract_map, inject_map, propagators};
use tracewire::prelude::*;

use crate::export_support::receiver::Receiver;
use crate::export_support::{run_child, serial};

#[traced(name = "limits.handler")]
fn limited(note: &str, a: u64, b: u64, c: u64) -> u64 {
    note.len() as u64 + a + b + c
}

#[traced(name = "propagators.outgoing")]
fn outgoing() -> HashMap<String, String> {
    let cx = Context::current().with_baggage([KeyValue::new("tenant", "acme")]);
    let mut map = HashMap::new();
    inject_map(&cx, &mut map);
    map
}

#[test]
fn otel_propagators_choose_what_the_carriers_carry_until_shutdown() {
    let _serial = serial();
    for (value, traceparent, baggage) in [
        ("baggage", false, true),
        ("tracecontext", true, false),
        ("none", false, false),
        ("tracecontext,baggage", true, true),
    ] {
        let mut guard = Telemetry::builder()
            .env_vars([("OTEL_PROPAGATORS", value), ("TRACEWIRE_TERMINAL", "off")])
            .install()
            .expect("install");
        let map = outgoing();
        assert_eq!(
            map.contains_key("traceparent"),
            traceparent,
            "{value}: {map:?}"
        );
        assert_eq!(map.contains_key("baggage"), baggage, "{value}: {map:?}");

        // Extraction reads the same formats only.
        let mut incoming = HashMap::new();
        incoming.insert(
            "traceparent".to_owned(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
        );
        incoming.insert("baggage".to_owned(), "tenant=acme".to_owned());
        let cx = extract_map(&incoming);
        assert_eq!(cx.span().span_context().is_valid(), traceparent, "{value}");
        assert_eq!(cx.baggage().get("tenant").is_some(), baggage, "{value}");

        guard.shutdown().unwrap();
        assert_eq!(propagators(), Propagators::default(), "{value}: restored");
    }
}

#[test]
fn span_limits_reach_the_exported_spans() {
    let _serial = serial();
    let receiver = Receiver::start(None, Vec::new());
    let mut guard = Telemetry::builder()
        .env_vars([
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "3"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "5"),
            ("TRACEWIRE_METRICS", "off"),
        ])
        .endpoint(receiver.endpoint())
        .schedule_delay(Duration::from_secs(600))
        .install()
        .expect("install");
    limited("a note longer than five characters", 1, 2, 3);
    guard.shutdown().expect("a clean shutdown");
    let received = receiver.wait_for("the span", |r| r.iter().any(|r| !r.spans.is_empty()));
    let span = received
        .iter()
        .flat_map(|r| &r.spans)
        .find(|s| s.name == "limits.handler")
        .expect("the span");
    assert_eq!(span.attributes.len(), 3, "{:?}", span.attributes);
    for value in span.attributes.values() {
        assert!(value.chars().count() <= 5, "{:?}", span.attributes);
    }
    if let Some(note) = span.attributes.get("note") {
        assert_eq!(note, "a not");
    }
}

#[test]
fn console_metrics_print_to_stderr() {
    let stderr = run_child(
        "console-metrics",
        &[
            ("OTEL_METRICS_EXPORTER", "console"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ],
    );
    assert!(stderr.contains("metrics · "), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|line| line.contains("tracewire.handler.calls")
                && line.contains("handler=\"inventory.reserve\"")
                && line.contains("outcome=\"error\"")
                && line.trim_end().ends_with(" 1 {call}")),
        "{stderr}"
    );
    assert!(
        !stderr.contains("trace "),
        "no trace trees with none:\n{stderr}"
    );
}

#[traced(name = "insecure.item")]
fn insecure_item(i: u64) -> u64 {
    i
}

#[test]
fn a_scheme_less_endpoint_is_tls_unless_insecure_is_true() {
    let _serial = serial();
    let receiver = Receiver::start(None, Vec::new()); // plain text
    for protocol in ["http/protobuf", "grpc"] {
        // INSECURE=true: a scheme-less endpoint is plain text, and works.
        let mut guard = Telemetry::builder()
            .env_vars([
                (
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    format!("127.0.0.1:{}", receiver.port),
                ),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.into()),
                ("OTEL_EXPORTER_OTLP_INSECURE", "true".into()),
                ("TRACEWIRE_METRICS", "off".into()),
            ])
            .schedule_delay(Duration::from_secs(600))
            .install()
            .expect("install");
        insecure_item(1);
        guard
            .force_flush()
            .unwrap_or_else(|e| panic!("{protocol}: {e}"));
        guard.shutdown().unwrap();
        assert_eq!(guard.exported_spans(), 1, "{protocol}");

        // Without it, the same endpoint means https, and a plain-text server
        // fails the handshake: nothing is sent in the clear.
        let before = receiver.received().len();
        let mut guard = Telemetry::builder()
            .env_vars([
                (
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    format!("127.0.0.1:{}", receiver.port),
                ),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.into()),
                ("TRACEWIRE_METRICS", "off".into()),
            ])
            .schedule_delay(Duration::from_secs(600))
            .install()
            .expect("install");
        insecure_item(2);
        let error = guard
            .force_flush()
            .expect_err("TLS to a plain-text server")
            .to_string();
        assert!(error.contains("TLS"), "{protocol}: {error}");
        assert_eq!(guard.failed_spans(), 1, "{protocol}");
        let _ = guard.shutdown();
        assert_eq!(
            receiver.received().len(),
            before,
            "{protocol}: sent in the clear"
        );
    }
    let spans = receiver.received();
    assert_eq!(
        spans
            .iter()
            .flat_map(|r| &r.spans)
            .filter(|s| s.name == "insecure.item")
            .count(),
        2
    );
}
