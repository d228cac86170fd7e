//! The `report_generator` example's trace, asserted.

#[allow(dead_code)]
#[path = "../../examples/report_generator.rs"]
mod report_generator;

use opentelemetry::trace::SpanKind;
use tracewire::testing::TestTracing;

const FETCHES: [(&str, &str); 3] = [
    ("report_generator.fetch_user", "fetching_user_data"),
    ("report_generator.fetch_analytics", "fetching_analytics"),
    (
        "report_generator.fetch_transactions",
        "fetching_transactions",
    ),
];

#[tokio::test]
async fn three_parallel_fetches_then_compile() {
    let tracing = TestTracing::install();
    report_generator::run().await;
    let tree = tracing.tree();
    tree.assert_shape(
        "
        report_generator.generate
          report_generator.fetch_user
          report_generator.fetch_analytics
          report_generator.fetch_transactions
          report_generator.compile
        ",
    );

    let generate = tree
        .span("report_generator.generate")
        .assert_root()
        .assert_kind(SpanKind::Internal)
        .assert_attr("user_id", 42i64)
        .assert_attr("report_type", "monthly")
        .assert_status_unset();
    for (fetch, event) in FETCHES {
        tree.span(fetch)
            .assert_parent(generate.name())
            .assert_same_trace(generate.name())
            .assert_event_attr(event, "user_id", 42i64)
            .assert_status_unset();
    }
    let compile = tree
        .span("report_generator.compile")
        .assert_parent(generate.name())
        .assert_attr("transaction_count", 2i64)
        .assert_attr("total_page_views", 1000i64);

    // Parallel, not one after another: every fetch started before any ended.
    let fetches: Vec<_> = FETCHES
        .iter()
        .map(|(name, _)| tree.span(name).data())
        .collect();
    let last_start = fetches.iter().map(|s| s.start_time).max().expect("three");
    let first_end = fetches.iter().map(|s| s.end_time).min().expect("three");
    assert!(
        last_start < first_end,
        "the fetches did not overlap:\n{tree}"
    );
    // And `compile` ran after all of them, inside `generate`.
    let last_end = fetches.iter().map(|s| s.end_time).max().expect("three");
    assert!(last_end <= compile.data().start_time, "{tree}");
    assert!(
        compile.data().end_time <= generate.data().end_time,
        "{tree}"
    );
}
