//! Export to hosted-backend-like endpoints, end to end on loopback, over
//! both protocols: TLS with certificates the test generates (mutual TLS
//! included), an API key in the headers, gzip bodies, a wrong CA, and the
//! specification's retries (`Retry-After`, `RetryInfo`), against the tests'
//! own OTLP receiver (`export_support::receiver`), which decodes every
//! request and records its headers.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use tracewire::export::Protocol;
use tracewire::prelude::*;
use tracewire::{Telemetry, TelemetryGuard};

use crate::export_support::certs::TestPki;
use crate::export_support::receiver::{Answer, Received, Receiver, ServerTls};
use crate::export_support::serial;

/// The API key as the receiver must see it, and as the variable carries it
/// (percent-encoded, as the specification asks).
const API_KEY: &str = "s3cr3t-key,with=specials";
const API_KEY_ENCODED: &str = "s3cr3t-key%2Cwith%3Dspecials";

const PROTOCOLS: [(Protocol, &str); 2] = [
    (Protocol::HttpProtobuf, "http/protobuf"),
    (Protocol::Grpc, "grpc"),
];

#[derive(Debug)]
struct Declined;

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("declined")
    }
}

struct Payments;

#[traced_actor]
impl Payments {
    async fn charge(&self, order_id: u64, currency: &str) -> Result<u64, Declined> {
        self.authorize(order_id).await
    }

    async fn authorize(&self, order_id: u64) -> Result<u64, Declined> {
        if order_id > 100 {
            Err(Declined)
        } else {
            Ok(order_id)
        }
    }
}
/// Tracing that exports spans, and only spans, to `receiver` over
/// `protocol`, with `vars` as the environment; a batch goes out when the
/// test flushes.
fn spans_to(
    receiver: &Receiver,
    protocol: Protocol,
    vars: Vec<(&'static str, String)>,
) -> tracewire::TelemetryBuilder {
    let mut vars = vars;
    vars.push(("TRACEWIRE_METRICS", "off".into()));
    Telemetry::builder()
        .env_vars(vars)
        .endpoint(receiver.endpoint())
        .protocol(protocol)
        .schedule_delay(Duration::from_secs(600))
}

/// Two charges, one declined: four spans.
fn charge_twice() {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            assert!(Payments.charge(7, "EUR").await.is_ok());
            assert!(Payments.charge(700, "USD").await.is_err());
        });
}

/// Every span of the accepted traces requests, by span id, with how often
/// each arrived.
fn accepted_spans(requests: &[Received]) -> BTreeMap<String, (usize, String)> {
    let mut spans = BTreeMap::new();
    for request in requests.iter().filter(|r| r.accepted && r.is_traces()) {
        for span in &request.spans {
            spans
                .entry(span.span_id.clone())
                .or_insert((0, span.name.clone()))
                .0 += 1;
        }
    }
    spans
}

fn counts(guard: &TelemetryGuard) -> (u64, u64, u64) {
    (
        guard.exported_spans(),
        guard.failed_spans(),
        guard.dropped_spans(),
    )
}

#[test]
fn tls_with_an_api_key_and_gzip_reaches_the_receiver() {
    let _serial = serial();
    let pki = TestPki::generate("trusted");
    for (protocol, name) in PROTOCOLS {
        // Mutual TLS: the receiver only talks to a client its CA signed.
        let receiver = Receiver::start(
            Some(ServerTls {
                pki: &pki,
                require_client_cert: true,
            }),
            Vec::new(),
        );
        // The general variables over http/protobuf, each signal's own over
        // gRPC.
        let signal_vars = |setting: &str| -> Vec<String> {
            match protocol {
                Protocol::Grpc => ["TRACES", "METRICS"]
                    .iter()
                    .map(|signal| format!("OTEL_EXPORTER_OTLP_{signal}_{setting}"))
                    .collect(),
                _ => vec![format!("OTEL_EXPORTER_OTLP_{setting}")],
            }
        };
        let mut vars = vec![
            // No scheme: https, as the specification says.
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(),
                format!("127.0.0.1:{}", receiver.port),
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL".to_owned(), name.to_owned()),
            ("OTEL_SERVICE_NAME".to_owned(), "tls-e2e".to_owned()),
        ];
        for (setting, value) in [
            ("CERTIFICATE", pki.ca_file()),
            ("CLIENT_CERTIFICATE", pki.client_cert_file()),
            ("CLIENT_KEY", pki.client_key_file()),
            (
                "HEADERS",
                format!("x-api-key={API_KEY_ENCODED}, x-tenant=acme"),
            ),
            ("COMPRESSION", "gzip".to_owned()),
        ] {
            for var in signal_vars(setting) {
                vars.push((var, value.clone()));
            }
        }
        let mut guard = Telemetry::builder()
            .env_vars(vars)
            .header("x-origin", "set-in-code")
            .install()
            .expect("install");
        assert!(
            !format!("{guard:?}").contains("s3cr3t"),
            "{name}: {guard:?}"
        );
        charge_twice();
        guard.shutdown().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(counts(&guard), (4, 0, 0), "{name}");

        let received = receiver.wait_for("the spans and the final metrics", |received| {
            accepted_spans(received).len() == 4 && received.iter().any(Received::is_metrics)
        });
        for request in &received {
            let what = format!("{name} {}", request.path);
            assert_eq!(request.grpc, protocol == Protocol::Grpc, "{what}");
            assert_eq!(request.header("x-api-key"), Some(API_KEY), "{what}");
            assert_eq!(request.header("x-tenant"), Some("acme"), "{what}");
            assert_eq!(request.header("x-origin"), Some("set-in-code"), "{what}");
            assert_eq!(request.encoding.as_deref(), Some("gzip"), "{what}");
            assert!(
                request
                    .header("user-agent")
                    .is_some_and(|ua| ua.starts_with("tracewire/")),
                "{what}: {:?}",
                request.header("user-agent")
            );
        }
        let metrics: Vec<&String> = received.iter().flat_map(|r| &r.metric_names).collect();
        assert!(
            metrics.iter().any(|m| *m == "tracewire.handler.calls"),
            "{name}: {metrics:?}"
        );

        let spans: Vec<_> = received.iter().flat_map(|r| &r.spans).collect();
        let charge = spans
            .iter()
            .find(|s| s.name == "payments.charge" && s.attributes["order_id"] == "700")
            .unwrap_or_else(|| panic!("{name}: no declined charge in {spans:#?}"));
        assert_eq!(charge.attributes["currency"], "USD", "{name}");
        assert_eq!(
            charge.attributes["error.type"].rsplit("::").next(),
            Some("Declined")
        );
        let authorize = spans
            .iter()
            .find(|s| s.name == "payments.authorize" && s.trace_id == charge.trace_id)
            .unwrap_or_else(|| panic!("{name}: no child of the declined charge"));
        assert_eq!(authorize.parent_span_id, charge.span_id, "{name}");
        assert_eq!(receiver.failed_handshakes(), 0, "{name}");
    }
}

#[test]
fn a_wrong_ca_fails_with_a_clear_message_and_its_spans_are_counted() {
    let _serial = serial();
    let server = TestPki::generate("server");
    let other = TestPki::generate("other");
    for (protocol, name) in PROTOCOLS {
        let receiver = Receiver::start(
            Some(ServerTls {
                pki: &server,
                require_client_cert: false,
            }),
            Vec::new(),
        );
        let mut guard = spans_to(
            &receiver,
            protocol,
            vec![("OTEL_EXPORTER_OTLP_CERTIFICATE", other.ca_file())],
        )
        .export_timeout(Duration::from_secs(10))
        .install()
        .expect("install");
        charge_twice();
        let error = guard
            .force_flush()
            .expect_err("a server signed by another CA")
            .to_string();
        for part in [
            format!("the TLS handshake with 127.0.0.1:{} failed", receiver.port),
            "the server's certificate is not signed by a trusted CA".into(),
            format!("OTEL_EXPORTER_OTLP_CERTIFICATE={}", other.ca_file()),
        ] {
            assert!(error.contains(&part), "{name}: {error}\nlacks: {part}");
        }
        assert_eq!(counts(&guard), (0, 4, 0), "{name}: every span counted");
        let last = guard.last_export_error().expect("the reason is kept");
        assert!(
            last.contains("not signed by a trusted CA"),
            "{name}: {last}"
        );
        // A certificate does not fix itself: one handshake, not retried.
        assert!(receiver.received().is_empty(), "{name}");
        assert_eq!(receiver.connections(), 1, "{name}: retried");
        guard.shutdown().unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn a_503_with_retry_after_and_then_200_delivers_the_batch_exactly_once() {
    let _serial = serial();
    let pki = TestPki::generate("retry");
    let retry_after = Duration::from_secs(1);
    for (protocol, name) in PROTOCOLS {
        let throttled = match protocol {
            Protocol::Grpc => Answer::Grpc(14, Some(retry_after)), // UNAVAILABLE + RetryInfo
            _ => Answer::Http(503, Some("1")),
        };
        let receiver = Receiver::start(
            Some(ServerTls {
                pki: &pki,
                require_client_cert: false,
            }),
            vec![throttled],
        );
        let mut guard = spans_to(
            &receiver,
            protocol,
            vec![("OTEL_EXPORTER_OTLP_CERTIFICATE", pki.ca_file())],
        )
        .export_timeout(Duration::from_secs(10))
        .install()
        .expect("install");
        charge_twice();
        guard
            .force_flush()
            .unwrap_or_else(|e| panic!("{name}: retried and delivered, but {e}"));
        guard.shutdown().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(counts(&guard), (4, 0, 0), "{name}");

        let requests = receiver.traces_requests();
        assert_eq!(requests.len(), 2, "{name}: one refusal, one retry");
        assert!(!requests[0].accepted && requests[1].accepted, "{name}");
        // The same batch both times, accepted once.
        let ids = |r: &Received| {
            let mut ids: Vec<String> = r.spans.iter().map(|s| s.span_id.clone()).collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(&requests[0]), ids(&requests[1]), "{name}");
        let accepted = accepted_spans(&requests);
        assert_eq!(accepted.len(), 4, "{name}: {accepted:?}");
        assert!(
            accepted.values().all(|(n, _)| *n == 1),
            "{name}: {accepted:?}"
        );
        // The server's delay was honoured: the retry came no sooner.
        let waited = requests[1].at - requests[0].at;
        assert!(waited >= retry_after, "{name}: retried after {waited:?}");
    }
}

#[test]
fn retryable_answers_without_a_delay_are_retried_with_backoff() {
    let _serial = serial();
    for (protocol, name) in PROTOCOLS {
        let script = match protocol {
            // UNAVAILABLE, then ABORTED, without RetryInfo.
            Protocol::Grpc => vec![Answer::Grpc(14, None), Answer::Grpc(10, None)],
            _ => vec![Answer::Http(502, None), Answer::Http(504, None)],
        };
        let receiver = Receiver::start(None, script);
        let mut guard = spans_to(&receiver, protocol, Vec::new())
            .export_timeout(Duration::from_secs(10))
            .install()
            .expect("install");
        charge_twice();
        guard
            .force_flush()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        guard.shutdown().unwrap_or_else(|e| panic!("{name}: {e}"));
        let requests = receiver.traces_requests();
        assert_eq!(requests.len(), 3, "{name}");
        assert_eq!(accepted_spans(&requests).len(), 4, "{name}");
        assert_eq!(counts(&guard), (4, 0, 0), "{name}");
    }
}

#[test]
fn other_answers_are_not_retried_and_never_show_the_key() {
    let _serial = serial();
    let cases = [
        (
            Protocol::HttpProtobuf,
            Answer::Http(401, None),
            "401 Unauthorized",
        ),
        (
            Protocol::HttpProtobuf,
            Answer::Http(400, Some("1")),
            "400 Bad Request",
        ),
        (
            Protocol::HttpProtobuf,
            Answer::Http(500, None),
            "500 Internal Server Error",
        ),
        // UNAUTHENTICATED, even with a RetryInfo.
        (
            Protocol::Grpc,
            Answer::Grpc(16, Some(Duration::from_secs(1))),
            "gRPC status Unauthenticated",
        ),
        // RESOURCE_EXHAUSTED without RetryInfo.
        (
            Protocol::Grpc,
            Answer::Grpc(8, None),
            "gRPC status ResourceExhausted",
        ),
    ];
    for (protocol, answer, expected) in cases {
        let receiver = Receiver::start(None, vec![answer.clone()]);
        let mut guard = spans_to(
            &receiver,
            protocol,
            vec![(
                "OTEL_EXPORTER_OTLP_HEADERS",
                format!("x-api-key={API_KEY_ENCODED}"),
            )],
        )
        .install()
        .expect("install");
        charge_twice();
        let error = guard.force_flush().expect_err("refused").to_string();
        assert!(error.contains(expected), "{answer:?}: {error}");
        assert!(!error.contains("s3cr3t"), "{answer:?}: {error}");
        assert_eq!(receiver.traces_requests().len(), 1, "{answer:?}: retried");
        assert_eq!(counts(&guard), (0, 4, 0), "{answer:?}");
        guard
            .shutdown()
            .unwrap_or_else(|e| panic!("{answer:?}: {e}"));
    }
}
