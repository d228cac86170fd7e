//! The `axum_http` example's traces, asserted.

#[allow(dead_code)]
#[path = "../../examples/axum_http.rs"]
mod axum_http;

use opentelemetry::trace::SpanKind;
use tracewire::testing::TestTracing;

#[tokio::test]
async fn a_public_call_is_linked_and_an_internal_one_continued() {
    let tracing = TestTracing::install();
    let answers = axum_http::run().await.expect("serves on loopback");
    assert_eq!(answers, ["order 7", "order 8"]);

    let tree = tracing.tree();
    tree.assert_shape(
        "
        checkout.fetch
        get_order
          load_order
        checkout.fetch
          get_internal_order
            load_order
        ",
    );
    tree.span("get_order")
        .assert_root()
        .assert_kind(SpanKind::Server)
        .assert_linked_to("checkout.fetch");
    tree.span("get_internal_order")
        .assert_kind(SpanKind::Server)
        .assert_attr("http.request.method", "GET")
        .assert_attr("url.path", "/internal/orders/8");
    for fetch in tree.spans_named("checkout.fetch") {
        fetch.assert_kind(SpanKind::Client);
    }
}
