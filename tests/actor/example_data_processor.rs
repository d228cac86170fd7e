//! The `data_processor` example's trace, asserted.

#[allow(dead_code)]
#[path = "../../examples/data_processor.rs"]
mod data_processor;

use std::any::type_name;

use opentelemetry::trace::SpanKind;
use tracewire::semconv;
use tracewire::testing::{SpanView, TestTracing};

use data_processor::{BatchError, ValidationError};

// The current-thread runtime polls spawned tasks in spawn order, so sibling
// spans start in a fixed order and the shape below is deterministic.
#[tokio::test]
async fn a_good_batch_and_a_batch_with_an_invalid_item() {
    let tracing = TestTracing::install();
    data_processor::run().await;
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
        ",
    );
    for span in tree.iter() {
        span.assert_kind(SpanKind::Internal);
    }

    // The good batch: every span succeeded and items carry their ids.
    let batches = tree.spans_named("data_processor.process_batch");
    let good = batches[0].assert_root().assert_attr("batch_size", 2i64);
    let items = good.children();
    items[0]
        .assert_attr("item_id", 1i64)
        .assert_attr("item_type", "order");
    items[1]
        .assert_attr("item_id", 2i64)
        .assert_attr("item_type", "refund");
    for item in &items {
        let transform = only_child(*item, "data_processor.transform");
        only_child(transform, "data_processor.validate").assert_status_unset();
    }
    assert_no_errors(good);

    // The bad batch: item 3 succeeded, item 4 failed at every level.
    let message = "Validation failed: invalid_value (item 4)";
    let bad = batches[1]
        .assert_root()
        .assert_attr("batch_size", 2i64)
        .assert_status_error(message)
        .assert_attr(semconv::ERROR_TYPE, type_name::<BatchError>())
        .assert_event_attr(
            semconv::EXCEPTION_EVENT,
            semconv::EXCEPTION_MESSAGE,
            message,
        );
    let items = bad.children();
    assert_no_errors(items[0].assert_attr("item_id", 3i64));
    let failed = items[1]
        .assert_attr("item_id", 4i64)
        .assert_attr("item_type", "order");
    let transform = only_child(failed, "data_processor.transform");
    let validate = only_child(transform, "data_processor.validate").assert_attr("value", -4i64);
    for span in [failed, transform, validate] {
        span.assert_status_error(message)
            .assert_attr(semconv::ERROR_TYPE, type_name::<ValidationError>())
            .assert_event_attr(
                semconv::EXCEPTION_EVENT,
                semconv::EXCEPTION_MESSAGE,
                message,
            )
            .assert_event_attr(
                semconv::EXCEPTION_EVENT,
                semconv::EXCEPTION_TYPE,
                type_name::<ValidationError>(),
            );
    }
}

#[track_caller]
fn only_child<'a>(span: SpanView<'a>, name: &str) -> SpanView<'a> {
    let children = span.children();
    assert_eq!(
        children.len(),
        1,
        "{} has {} children",
        span.name(),
        children.len()
    );
    children[0].assert_parent(span.name());
    assert_eq!(children[0].name(), name);
    children[0]
}

#[track_caller]
fn assert_no_errors(span: SpanView<'_>) {
    span.assert_status_unset()
        .assert_no_event(semconv::EXCEPTION_EVENT);
    for child in span.children() {
        assert_no_errors(child);
    }
}
