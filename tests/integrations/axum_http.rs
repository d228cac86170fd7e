//! `#[traced(parent = headers)]` on axum handlers: a real axum 0.8 server on
//! loopback, a real HTTP client (hyper-util's) sending `traceparent`, and
//! the trust policy deciding what the caller's context becomes.

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use tracewire::axum::TraceParent;
use tracewire::prelude::*;
use tracewire::testing::{SpanView, TestTracing};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID: &str = "00f067aa0ba902b7";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Work inside a handler: its span must nest under the handler's.
#[traced]
async fn load_order(id: u64) -> u64 {
    tokio::task::yield_now().await;
    id
}

/// Untrusted by default: the caller's context becomes a link.
#[traced(parent = headers)]
async fn public_order(headers: HeaderMap) -> String {
    load_order(7).await.to_string()
}

/// A caller inside the trust boundary: its span is the parent.
#[traced(parent = headers, trust = parent)]
async fn internal_order(headers: HeaderMap) -> String {
    load_order(8).await.to_string()
}

/// The axum extractor: the same, with the method and path recorded.
#[traced(parent = trace, trust = parent)]
async fn extracted_order(trace: TraceParent) -> &'static str {
    "ok"
}

/// Serves the handlers on 127.0.0.1:0; the task ends with the test's
/// runtime.
async fn serve() -> std::net::SocketAddr {
    let app = Router::new()
        .route("/public/order", get(public_order))
        .route("/internal/order", get(internal_order))
        .route("/extracted/order", get(extracted_order));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("has an address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// One GET with `headers`; the server's answer, which must be 200.
async fn get_with(addr: std::net::SocketAddr, path: &str, headers: &[(&str, &str)]) -> String {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let mut request = http::Request::get(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(request.body(Empty::new()).expect("a valid request"))
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200, "GET {path}");
    let body = response.into_body().collect().await.expect("a body");
    String::from_utf8(body.to_bytes().to_vec()).expect("utf-8")
}

fn trace_id(span: SpanView<'_>) -> TraceId {
    span.data().span_context.trace_id()
}

#[tokio::test]
async fn an_untrusted_traceparent_becomes_a_link() {
    let tracing = TestTracing::install();
    let addr = serve().await;
    assert_eq!(
        get_with(addr, "/public/order", &[("traceparent", TRACEPARENT)]).await,
        "7"
    );

    let tree = tracing.tree();
    let server = tree
        .span("public_order")
        .assert_kind(SpanKind::Server)
        .assert_root();
    assert_ne!(
        trace_id(server),
        TraceId::from_hex(TRACE_ID).unwrap(),
        "{tree}"
    );
    let links = server.links();
    assert_eq!(links.len(), 1, "{tree}");
    assert_eq!(
        links[0].span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(
        links[0].span_context.span_id(),
        SpanId::from_hex(SPAN_ID).unwrap()
    );
    assert!(links[0].span_context.is_remote());
    tree.span("load_order")
        .assert_parent("public_order")
        .assert_attr("id", 7);
}

#[tokio::test]
async fn a_trusted_traceparent_becomes_the_parent() {
    let tracing = TestTracing::install();
    let addr = serve().await;
    let headers = [
        ("traceparent", TRACEPARENT),
        ("tracestate", "vendor=opaque"),
    ];
    assert_eq!(get_with(addr, "/internal/order", &headers).await, "8");

    let tree = tracing.tree();
    let server = tree.span("internal_order").assert_kind(SpanKind::Server);
    let data = server.data();
    assert_eq!(
        data.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap(),
        "{tree}"
    );
    assert_eq!(
        data.parent_span_id,
        SpanId::from_hex(SPAN_ID).unwrap(),
        "{tree}"
    );
    assert!(data.parent_span_is_remote);
    assert_eq!(data.span_context.trace_state().header(), "vendor=opaque");
    assert!(server.links().is_empty(), "{tree}");
    tree.span("load_order").assert_parent("internal_order");
}

/// A caller that is itself traced, in this process: the whole round trip
/// through a real HTTP request, as two services would see it.
#[tokio::test]
async fn a_traced_caller_is_linked_or_continued() {
    #[traced(kind = client)]
    async fn call(addr: std::net::SocketAddr, path: &'static str) -> String {
        let mut headers = http::HeaderMap::new();
        tracewire::carrier::inject_headers(&opentelemetry::Context::current(), &mut headers);
        let traceparent = headers["traceparent"].to_str().expect("ascii").to_owned();
        get_with(addr, path, &[("traceparent", &traceparent)]).await
    }

    let tracing = TestTracing::install();
    let addr = serve().await;
    call(addr, "/public/order").await;
    call(addr, "/internal/order").await;

    let tree = tracing.tree();
    let calls = tree.spans_named("call");
    assert_eq!(calls.len(), 2, "{tree}");
    tree.span("public_order")
        .assert_root()
        .assert_linked_to("call");
    let internal = tree.span("internal_order");
    let parent = internal.parent().expect("the caller's span");
    assert_eq!(parent.name(), "call");
    assert_eq!(*parent.kind(), SpanKind::Client);
}

#[tokio::test]
async fn the_extractor_records_the_method_and_path() {
    let tracing = TestTracing::install();
    let addr = serve().await;
    get_with(
        addr,
        "/extracted/order?secret=1",
        &[("traceparent", TRACEPARENT)],
    )
    .await;

    let tree = tracing.tree();
    let server = tree
        .span("extracted_order")
        .assert_kind(SpanKind::Server)
        .assert_attr("http.request.method", "GET")
        .assert_attr("url.path", "/extracted/order");
    assert_eq!(
        server.data().parent_span_id,
        SpanId::from_hex(SPAN_ID).unwrap()
    );
}

/// Malformed, oversized or repeated `traceparent` headers: a normal root,
/// no parent, no link, whatever the trust policy, and the request is served.
#[tokio::test]
async fn bad_traceparents_start_a_plain_root() {
    let oversized = format!("{TRACEPARENT}-{}", "a".repeat(600));
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("garbage", vec![("traceparent", "00-garbage")]),
        (
            "uppercase hex",
            vec![(
                "traceparent",
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
            )],
        ),
        (
            "zero trace id",
            vec![(
                "traceparent",
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            )],
        ),
        (
            "version ff",
            vec![(
                "traceparent",
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            )],
        ),
        ("oversized", vec![("traceparent", oversized.as_str())]),
        (
            "twice",
            vec![("traceparent", TRACEPARENT), ("traceparent", TRACEPARENT)],
        ),
        ("empty", vec![("traceparent", "")]),
        ("none", vec![]),
    ];
    let tracing = TestTracing::install();
    let addr = serve().await;
    for (case, headers) in &cases {
        for (path, name) in [
            ("/public/order", "public_order"),
            ("/internal/order", "internal_order"),
        ] {
            tracing.reset();
            get_with(addr, path, headers).await;
            let tree = tracing.tree();
            let server = tree.span(name).assert_root();
            assert!(server.links().is_empty(), "{case}: {tree}");
            assert_ne!(
                trace_id(server),
                TraceId::from_hex(TRACE_ID).unwrap(),
                "{case}"
            );
            assert!(trace_id(server) != TraceId::INVALID, "{case}");
            tree.span("load_order").assert_parent(name);
        }
    }
}
