//! The `tasks` example's trace trees, asserted.

#[allow(dead_code)]
#[path = "../../examples/tasks.rs"]
mod tasks;

use tracewire::semconv;
use tracewire::testing::TestTracing;

// The current-thread runtime polls spawned tasks in spawn order, so sibling
// spans start in a fixed order and the shape below is deterministic.
#[tokio::test]
async fn tasks_example_trace_trees() {
    let tracing = TestTracing::install();
    tasks::run().await;
    let tree = tracing.tree();
    tree.assert_shape(
        "
        data_processor.process_batch
          data_processor.process_item
            data_processor.transform
              data_processor.validate
          data_processor.process_item
            data_processor.transform
              data_processor.validate
        data_processor.process_batch
          data_processor.process_item
            data_processor.transform
              data_processor.validate
          data_processor.process_item
            data_processor.transform
              data_processor.validate
        report_generator.generate
          report_generator.fetch_user
          report_generator.fetch_analytics
          report_generator.fetch_transactions
          report_generator.compile
        ",
    );

    let batches = tree.spans_named("data_processor.process_batch");
    batches[0]
        .assert_attr("batch_size", 2i64)
        .assert_status_unset();
    let message = "validation failed: item 4 has an invalid value";
    batches[1].assert_status_error(message);
    let failed_item = tree
        .spans_named("data_processor.process_item")
        .into_iter()
        .find(|s| s.attr("item_id") == Some(&4i64.into()))
        .expect("item 4 was processed");
    failed_item
        .assert_attr("item_type", "order")
        .assert_status_error(message)
        .assert_event_attr(
            semconv::EXCEPTION_EVENT,
            semconv::EXCEPTION_MESSAGE,
            message,
        );
    let failed_validate = failed_item.children()[0].children()[0];
    failed_validate
        .assert_attr("value", -4i64)
        .assert_status_error(message)
        .assert_event(semconv::EXCEPTION_EVENT);

    tree.span("report_generator.generate")
        .assert_attr("user_id", 42i64)
        .assert_attr("report_type", "monthly");
    for (fetch, event) in [
        ("report_generator.fetch_user", "fetching_user_data"),
        ("report_generator.fetch_analytics", "fetching_analytics"),
        (
            "report_generator.fetch_transactions",
            "fetching_transactions",
        ),
    ] {
        tree.span(fetch)
            .assert_parent("report_generator.generate")
            .assert_event_attr(event, "user_id", 42i64);
    }
    tree.span("report_generator.compile")
        .assert_parent("report_generator.generate")
        .assert_attr("transaction_count", 2i64)
        .assert_attr("total_page_views", 1000i64);
}
