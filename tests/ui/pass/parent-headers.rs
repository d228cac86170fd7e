// `parent = headers` in the shapes an HTTP handler can take: an
// `http::HeaderMap` by value, by reference, under any path, in a sync or
// async fn or a method of a traced impl, with each trust policy, and
// axum's `TraceParent` extractor. Each span is SERVER, and the trust
// policy decides parent, link or nothing.
use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use tracewire::axum::TraceParent;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[traced(parent = headers)]
async fn by_value(headers: http::HeaderMap) {}

#[traced(parent = headers, trust = parent)]
fn by_reference(headers: &axum::http::HeaderMap) -> usize {
    headers.len()
}

#[traced(parent = headers, trust = ignore)]
fn ignored(headers: &http::HeaderMap) {}

#[traced(parent = trace, trust = link, kind = internal)]
async fn extractor(trace: TraceParent) {}

struct Orders;

#[traced_actor]
impl Orders {
    #[span(parent = req, trust = parent)]
    async fn get(&self, req: &http::HeaderMap, id: u64) -> u64 {
        id
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let mut headers = http::HeaderMap::new();
    headers.insert("traceparent", TRACEPARENT.parse().unwrap());
    let request = http::Request::get("/orders/1").header("traceparent", TRACEPARENT);
    let (mut parts, ()) = request.body(()).unwrap().into_parts();
    let trace = <TraceParent as axum::extract::FromRequestParts<()>>::from_request_parts(&mut parts, &())
        .await
        .unwrap();

    by_value(headers.clone()).await;
    assert_eq!(by_reference(&headers), 1);
    ignored(&headers);
    extractor(trace).await;
    assert_eq!(Orders.get(&headers, 3).await, 3);

    let tree = tracing.tree();
    let remote_trace = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
    let remote_span = SpanId::from_hex("00f067aa0ba902b7").unwrap();
    for linked in ["by_value", "extractor"] {
        let span = tree.span(linked).assert_root();
        assert_eq!(span.links().len(), 1);
        assert_eq!(span.links()[0].span_context.span_id(), remote_span);
    }
    tree.span("by_value").assert_kind(SpanKind::Server);
    tree.span("extractor")
        .assert_kind(SpanKind::Internal)
        .assert_attr("http.request.method", "GET")
        .assert_attr("url.path", "/orders/1");
    for parented in ["by_reference", "orders.get"] {
        let span = tree.span(parented).assert_kind(SpanKind::Server);
        assert_eq!(span.data().span_context.trace_id(), remote_trace);
        assert_eq!(span.data().parent_span_id, remote_span);
    }
    tree.span("orders.get").assert_attr("id", 3);
    let ignored = tree.span("ignored").assert_root().assert_kind(SpanKind::Server);
    assert!(ignored.links().is_empty());
    assert_ne!(ignored.data().span_context.trace_id(), remote_trace);
}
