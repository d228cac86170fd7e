//! OTLP export end to end, over http/protobuf and gRPC, through a real
//! collector: `tracewire` → rotel (started here on free loopback ports) →
//! `scripts/test/otlp_sink.py`, which records every span and metric data point
//! it receives as JSON lines.

use std::fmt;
use std::time::Duration;

use serde_json::{Value, json};
use tracewire::export::Protocol;
use tracewire::prelude::*;
use tracewire::{Telemetry, TelemetryGuard};

use crate::export_support::{Collector, collector_available, free_port, named, of_type, serial};

#[derive(Debug)]
struct PaymentError(u64);

impl fmt::Display for PaymentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "card declined: {}", self.0)
    }
}

struct Checkout;

#[traced_actor]
impl Checkout {
    async fn place_order(
        &self,
        order_id: u64,
        customer: &str,
        amount: f64,
    ) -> Result<u64, PaymentError> {
        self.charge(order_id, amount).await
    }

    async fn charge(&self, order_id: u64, amount: f64) -> Result<u64, PaymentError> {
        if amount > 100.0 {
            Err(PaymentError(order_id))
        } else {
            Ok(order_id)
        }
    }
}

/// One order that succeeds and one that fails.
async fn run_orders() {
    let checkout = Checkout;
    assert!(checkout.place_order(1, "ada", 10.0).await.is_ok());
    assert!(checkout.place_order(2, "bob", 500.0).await.is_err());
}

/// Runs `future` on a current-thread runtime: the guard's shutdown then
/// blocks the only thread, which export must survive.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn attr<'a>(span: &'a Value, key: &str) -> &'a Value {
    &span["attributes"][key]
}

/// Asserts the two orders' spans, as the sink decoded them.
fn assert_order_spans(spans: &[Value]) {
    let orders = named(spans, "checkout.place_order");
    let charges = named(spans, "checkout.charge");
    assert_eq!((orders.len(), charges.len()), (2, 2), "{spans:#?}");

    let failed = orders
        .iter()
        .find(|s| attr(s, "order_id") == &json!({"int": 2}))
        .expect("the failed order");
    let charge = charges
        .iter()
        .find(|s| s["trace_id"] == failed["trace_id"])
        .expect("the failed order's charge");

    // The child links to its parent, in the same trace; the parent is a root.
    assert_eq!(charge["parent_span_id"], failed["span_id"]);
    assert_eq!(failed["parent_span_id"], "");
    assert_eq!(failed["trace_id"].as_str().unwrap().len(), 32);
    assert_ne!(failed["trace_id"], json!("0".repeat(32)));

    // Typed attributes: integers, strings and floats keep their types.
    assert_eq!(attr(failed, "customer"), &json!({"string": "bob"}));
    assert_eq!(attr(failed, "amount"), &json!({"double": 500.0}));
    assert_eq!(attr(charge, "order_id"), &json!({"int": 2}));
    assert_eq!(failed["kind"], "SPAN_KIND_INTERNAL");
    assert_eq!(failed["scope"], "tracewire");

    // Err: status Error with the error's Display, error.type, exception.
    for span in [failed, charge] {
        assert_eq!(
            span["status"],
            json!({"code": "STATUS_CODE_ERROR", "message": "card declined: 2"})
        );
        assert_eq!(
            attr(span, "error.type")["string"]
                .as_str()
                .unwrap()
                .rsplit("::")
                .next(),
            Some("PaymentError")
        );
        let exception = span["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "exception")
            .expect("an exception event");
        assert_eq!(
            exception["attributes"]["exception.message"],
            json!({"string": "card declined: 2"})
        );
    }

    // The successful order: status unset, child linked too.
    let ok = orders
        .iter()
        .find(|s| attr(s, "order_id") == &json!({"int": 1}))
        .unwrap();
    assert_eq!(ok["status"]["code"], "STATUS_CODE_UNSET");
    let ok_charge = charges
        .iter()
        .find(|s| s["trace_id"] == ok["trace_id"])
        .unwrap();
    assert_eq!(ok_charge["parent_span_id"], ok["span_id"]);
}

fn point<'a>(points: &'a [Value], name: &str, attributes: &Value) -> Option<&'a Value> {
    points.iter().rev().find(|p| {
        p["name"] == name
            && attributes
                .as_object()
                .unwrap()
                .iter()
                .all(|(k, v)| &p["attributes"][k] == v)
    })
}

fn calls(handler: &str, outcome: &str) -> Value {
    json!({"handler": {"string": handler}, "outcome": {"string": outcome}})
}

/// Waits for the orders' spans and handler metrics, and asserts them.
fn assert_orders_exported(collector: &Collector, service: &str) {
    let records = collector.wait_for("the orders' spans and handler metrics", |records| {
        let spans = of_type(records, "span");
        let points = of_type(records, "metric");
        named(&spans, "checkout.place_order").len() >= 2
            && named(&spans, "checkout.charge").len() >= 2
            && point(
                &points,
                "tracewire.handler.calls",
                &calls("checkout.place_order", "error"),
            )
            .is_some()
            && point(
                &points,
                "tracewire.handler.calls",
                &calls("checkout.place_order", "ok"),
            )
            .is_some()
    });
    let spans = of_type(&records, "span");
    assert_order_spans(&spans);
    for span in &spans {
        assert_eq!(span["resource"]["service.name"], json!({"string": service}));
        assert_eq!(span["resource"]["team"], json!({"string": "a,b"}));
    }

    let points = of_type(&records, "metric");
    for (handler, outcome) in [
        ("checkout.place_order", "ok"),
        ("checkout.place_order", "error"),
        ("checkout.charge", "ok"),
        ("checkout.charge", "error"),
    ] {
        let calls_point = point(&points, "tracewire.handler.calls", &calls(handler, outcome))
            .unwrap_or_else(|| panic!("no calls point for {handler} {outcome}: {points:#?}"));
        assert_eq!(calls_point["value"], 1, "{calls_point}");
        let duration = point(
            &points,
            "tracewire.handler.duration",
            &calls(handler, outcome),
        )
        .unwrap_or_else(|| panic!("no duration point for {handler} {outcome}"));
        assert_eq!(duration["data"], "histogram");
        assert_eq!(duration["value"], 1, "one recorded duration: {duration}");
    }
    // The export counters are exported too, zero here.
    let dropped = point(
        &points,
        "tracewire.export.dropped_spans",
        &json!({"exporter": {"string": "otlp"}}),
    )
    .expect("the dropped-spans counter");
    assert_eq!(dropped["value"], 0);
    assert_eq!(dropped["data"], "sum");
}

fn shut_down(mut guard: TelemetryGuard) {
    guard.shutdown().expect("a clean shutdown");
    assert_eq!(guard.dropped_spans(), 0);
    assert_eq!(guard.failed_spans(), 0);
}

#[test]
fn http_protobuf_configured_from_the_environment() {
    let _serial = serial();
    if !collector_available("http_protobuf_configured_from_the_environment") {
        return;
    }
    let collector = Collector::start();
    let guard = Telemetry::builder()
        .env_vars([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.http_endpoint()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf".into()),
            ("OTEL_SERVICE_NAME", "export-e2e-http".into()),
            ("OTEL_RESOURCE_ATTRIBUTES", "team=a%2Cb".into()),
        ])
        .install()
        .expect("install");
    assert!(guard.exports_metrics());
    block_on(run_orders());
    guard.force_flush().expect("a clean flush");
    assert_eq!(guard.dropped_spans() + guard.failed_spans(), 0);
    // Dropping the guard flushes and shuts down both providers: the spans
    // and the final metrics reach the collector.
    drop(guard);
    assert_orders_exported(&collector, "export-e2e-http");
}

#[test]
fn grpc_configured_in_code_over_the_environment() {
    let _serial = serial();
    if !collector_available("grpc_configured_in_code_over_the_environment") {
        return;
    }
    let collector = Collector::start();
    // Installed, used and shut down from inside a current-thread runtime:
    // export has its own, so nothing waits on the application's.
    block_on(async {
        // The environment points elsewhere; the code settings win.
        let guard = Telemetry::builder()
            .env_vars([
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
                ("OTEL_SERVICE_NAME", "from-the-environment"),
                ("OTEL_RESOURCE_ATTRIBUTES", "team=env"),
            ])
            .endpoint(collector.grpc_endpoint())
            .protocol(Protocol::Grpc)
            .service_name("export-e2e-grpc")
            .resource_attribute("team", "a,b")
            .install()
            .expect("install");
        run_orders().await;
        shut_down(guard);
    });
    assert_orders_exported(&collector, "export-e2e-grpc");
}

#[test]
fn with_metrics_off_only_spans_are_exported() {
    let _serial = serial();
    if !collector_available("with_metrics_off_only_spans_are_exported") {
        return;
    }
    let collector = Collector::start();
    for (metrics, env) in [(Some(false), "on"), (None, "off")] {
        let mut builder = Telemetry::builder().env_vars([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.http_endpoint()),
            ("TRACEWIRE_METRICS", env.into()),
        ]);
        if let Some(metrics) = metrics {
            builder = builder.metrics(metrics); // wins over TRACEWIRE_METRICS=on
        }
        let guard = builder.install().expect("install");
        assert!(!guard.exports_metrics());
        block_on(run_orders());
        shut_down(guard);
    }
    collector.wait_for("both runs' spans", |records| {
        named(&of_type(records, "span"), "checkout.place_order").len() >= 4
    });
    // Metrics would have been exported at shutdown, before the spans were
    // seen; give them the collector's batch delay again, and then some.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(collector.metric_points(), Vec::<Value>::new());
}

#[traced(name = "burst.item")]
fn burst_item(i: u64) -> u64 {
    i
}

#[test]
fn dropped_spans_are_exported_as_a_metric() {
    let _serial = serial();
    if !collector_available("dropped_spans_are_exported_as_a_metric") {
        return;
    }
    let collector = Collector::start();
    let mut guard = Telemetry::builder()
        .env_vars([("OTEL_EXPORTER_OTLP_ENDPOINT", collector.http_endpoint())])
        .export_queue_size(16)
        .max_export_batch_size(16)
        .install()
        .expect("install");
    // A burst far faster than one export: most spans find the queue full.
    for i in 0..5_000 {
        burst_item(i);
    }
    assert!(guard.dropped_spans() > 0, "no span was dropped");
    assert!(guard.queued_spans() <= 16);
    guard.shutdown().expect("a clean shutdown");
    let dropped = guard.dropped_spans();
    assert_eq!(dropped + guard.exported_spans(), 5_000);

    let otlp = json!({"exporter": {"string": "otlp"}});
    let records = collector.wait_for("the final dropped-spans count", |records| {
        point(
            &of_type(records, "metric"),
            "tracewire.export.dropped_spans",
            &otlp,
        )
        .is_some_and(|p| p["value"] == dropped)
    });
    let points = of_type(&records, "metric");
    let point = point(&points, "tracewire.export.dropped_spans", &otlp).unwrap();
    assert_eq!(point["data"], "sum");
    // And every span that was not dropped arrived.
    collector.wait_for("every span not dropped", |records| {
        named(&of_type(records, "span"), "burst.item").len() as u64 == 5_000 - dropped
    });
}

#[traced(name = "resume.before")]
fn before(i: u64) -> u64 {
    i
}

#[traced(name = "resume.after")]
fn after(i: u64) -> u64 {
    i
}

#[test]
fn export_resumes_when_the_collector_starts_later() {
    let _serial = serial();
    if !collector_available("export_resumes_when_the_collector_starts_later") {
        return;
    }
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let (grpc_port, http_port) = (free_port(), free_port());
        let port = match protocol {
            Protocol::Grpc => grpc_port,
            _ => http_port,
        };
        let mut guard = Telemetry::builder()
            .env_vars([("TRACEWIRE_METRICS", "off")])
            .endpoint(format!("http://127.0.0.1:{port}"))
            .protocol(protocol)
            // Only flushes export, so each flush below sends its spans.
            .schedule_delay(Duration::from_secs(600))
            .export_timeout(Duration::from_secs(5))
            .install()
            .expect("install");

        // Nothing listens yet: these spans fail to export, and nothing hangs.
        for i in 0..10 {
            before(i);
        }
        assert!(
            guard.force_flush().is_err(),
            "{protocol:?}: nobody is listening"
        );
        assert_eq!(guard.failed_spans(), 10, "{protocol:?}");

        let collector = Collector::start_on(grpc_port, http_port);
        for i in 0..10 {
            after(i);
        }
        guard
            .force_flush()
            .unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
        guard
            .shutdown()
            .unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
        assert_eq!(guard.exported_spans(), 10, "{protocol:?}");

        let records = collector.wait_for("the spans ended after the collector started", |r| {
            named(&of_type(r, "span"), "resume.after").len() == 10
        });
        assert!(named(&of_type(&records, "span"), "resume.before").is_empty());
    }
}
