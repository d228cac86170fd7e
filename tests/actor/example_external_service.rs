//! The `external_service` example's trace, asserted.

#[allow(dead_code)]
#[path = "../../examples/external_service.rs"]
mod external_service;

use opentelemetry::trace::SpanKind;
use tracewire::semconv;
use tracewire::testing::{SpanView, TestTracing};

/// The one `external_service.http_request` span under `call`.
fn request(call: SpanView<'_>) -> SpanView<'_> {
    call.children()[0]
}

#[tokio::test]
async fn success_http_error_timeout_and_panic() {
    let tracing = TestTracing::install();
    external_service::run().await;
    let tree = tracing.tree();
    tree.assert_shape(
        "
        external_service.call_api
          external_service.http_request
        external_service.call_api
          external_service.http_request
        external_service.call_api
          external_service.http_request
        external_service.call_api
          external_service.http_request
        ",
    );
    let calls = tree.spans_named("external_service.call_api");
    let by_endpoint = |endpoint: &str| -> SpanView<'_> {
        let call = calls
            .iter()
            .find(|s| s.attr("endpoint") == Some(&endpoint.to_string().into()))
            .unwrap_or_else(|| panic!("no call to {endpoint}:\n{tree}"));
        call.assert_root()
            .assert_kind(SpanKind::Internal)
            .assert_attr("method", "POST");
        request(*call)
            .assert_parent(call.name())
            .assert_kind(SpanKind::Client);
        *call
    };

    // 200: attributes set, status unset.
    let ok = by_endpoint("/users")
        .assert_attr("http.status_code", 200i64)
        .assert_attr("http.response_size", 21i64)
        .assert_status_unset()
        .assert_no_attr(semconv::ERROR_TYPE)
        .assert_no_event(semconv::EXCEPTION_EVENT);
    request(ok).assert_status_unset();

    // 503: an error described as "HTTP 503", on the call and the request.
    let unavailable = by_endpoint("/inventory")
        .assert_attr("http.status_code", 503i64)
        .assert_attr("http.response_size", 24i64);
    for span in [unavailable, request(unavailable)] {
        span.assert_status_error("HTTP 503")
            .assert_attr(semconv::ERROR_TYPE, "http_error")
            .assert_event_attr(
                semconv::EXCEPTION_EVENT,
                semconv::EXCEPTION_MESSAGE,
                "HTTP 503",
            );
    }

    // Timeout: error.type "timeout", no response attributes, and the
    // abandoned request ended as cancelled (not failed).
    let timed_out = by_endpoint("/slow")
        .assert_status_error("no response within 200ms")
        .assert_attr(semconv::ERROR_TYPE, "timeout")
        .assert_event_attr(semconv::EXCEPTION_EVENT, semconv::EXCEPTION_TYPE, "timeout")
        .assert_no_attr("http.status_code")
        .assert_no_attr("http.response_size");
    request(timed_out)
        .assert_attr(semconv::CANCELLED, true)
        .assert_event(semconv::CANCELLED_EVENT)
        .assert_status_unset();

    // Panic: recorded at both levels, then it went on unwinding.
    let crashed = by_endpoint("/crash").assert_no_attr("http.status_code");
    for span in [crashed, request(crashed)] {
        span.assert_status_error("connection reset by peer")
            .assert_attr(semconv::ERROR_TYPE, semconv::PANIC_TYPE)
            .assert_event_attr(
                semconv::EXCEPTION_EVENT,
                semconv::EXCEPTION_MESSAGE,
                "connection reset by peer",
            );
    }
}
