//! The `ractor` example's trace, asserted.

#[allow(dead_code)]
#[path = "../../examples/ractor.rs"]
mod ractor_example;

use opentelemetry::trace::SpanKind;
use tracewire::testing::TestTracing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callers_sends_are_the_parents_of_the_handlers() {
    let tracing = TestTracing::install();
    assert_eq!(ractor_example::run().await, 42);
    let tree = tracing.tree();
    tree.span("checkout").assert_root();
    tree.span("counter.cast add")
        .assert_kind(SpanKind::Producer)
        .assert_parent("checkout");
    tree.span("counter.call get")
        .assert_kind(SpanKind::Client)
        .assert_parent("checkout");
    tree.span("counter.handle add")
        .assert_kind(SpanKind::Consumer)
        .assert_parent("counter.cast add")
        .assert_attr("amount", 2_i64)
        .assert_no_attr("state");
    tree.span("counter.persist")
        .assert_parent("counter.handle add");
    tree.span("counter.handle get")
        .assert_kind(SpanKind::Server)
        .assert_parent("counter.call get");
    tree.span("counter.pre_start").assert_no_attr("start");
    tree.span("counter.post_stop");
}
