//! The `kameo` example's trace, asserted.

#[allow(dead_code)]
#[path = "../../examples/kameo.rs"]
mod kameo_example;

use opentelemetry::trace::SpanKind;
use tracewire::testing::TestTracing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_sends_are_the_parents_of_the_handlers() {
    let tracing = TestTracing::install();
    assert_eq!(kameo_example::run().await, 5);
    let tree = tracing.tree();
    tree.span("checkout").assert_root();
    tree.span("counter.tell add")
        .assert_kind(SpanKind::Producer)
        .assert_parent("checkout");
    let asks = tree.spans_named("counter.ask add");
    assert_eq!(asks.len(), 1);
    asks[0]
        .assert_kind(SpanKind::Client)
        .assert_parent("checkout");
    for add in tree.spans_named("counter.handle add") {
        let parent = add.parent().expect("a captured parent");
        let kind = if parent.name() == "counter.ask add" {
            SpanKind::Server
        } else {
            SpanKind::Consumer
        };
        assert_eq!(add.kind(), &kind);
        assert_eq!(add.children()[0].name(), "counter.persist");
    }
    tree.span("counter.handle total")
        .assert_kind(SpanKind::Server)
        .assert_parent("counter.ask total");
    tree.span("counter.on_start");
}
