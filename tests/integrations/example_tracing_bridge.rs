//! The `tracing_bridge` example's trace, asserted.

#[allow(dead_code)]
#[path = "../../examples/tracing_bridge.rs"]
mod tracing_bridge;

use tracewire::testing::TestTracing;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_spans_and_events_nest_with_the_traced_handler() {
    let tracing = TestTracing::install();
    assert_eq!(tracing_bridge::run().await, 1250);
    let tree = tracing.tree();
    tree.assert_shape(
        "
        http.request
          orders.place
            inventory.reserve
            payment.charge
        ",
    );
    tree.span("http.request").assert_attr("path", "/orders");
    tree.span("orders.place")
        .assert_attr("order_id", 7_i64)
        .assert_event_attr("placing order", "items", 2_i64)
        .assert_event_attr("placing order", "level", "INFO")
        .assert_no_event("reserved");
    tree.span("inventory.reserve")
        .assert_attr("sku", "tea-42")
        .assert_event_attr("reserved", "sku", "tea-42")
        .assert_event_attr("low stock", "level", "WARN")
        .assert_event_attr("low stock", "left", 1_i64);
    tree.span("payment.charge")
        .assert_event_attr("charged", "amount_cents", 1250_i64);
}
