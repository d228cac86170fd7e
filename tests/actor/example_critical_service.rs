//! The `critical_service` example's trace, asserted.

#[allow(dead_code)]
#[path = "../../examples/critical_service.rs"]
mod critical_service;

use opentelemetry::trace::SpanKind;
use tracewire::semconv;
use tracewire::testing::TestTracing;

#[tokio::test]
async fn a_supervised_start_and_stop_then_a_failed_start() {
    let tracing = TestTracing::install();
    critical_service::run().await;
    let tree = tracing.tree();
    // No restart span: a transient child that stopped normally stays down.
    // No second terminate: the refused instance never ran.
    tree.assert_shape(
        "
        critical_app.start
          critical_service.init
        critical_service.terminate
        critical_app.start
          critical_service.init
        ",
    );
    for span in tree.iter() {
        span.assert_kind(SpanKind::Internal);
    }
    for init in tree.spans_named("critical_service.init") {
        init.assert_parent("critical_app.start");
    }
    tree.span("critical_service.terminate").assert_root();
    let starts = tree.spans_named("critical_app.start");
    starts[0].assert_root().assert_status_unset();
    starts[1]
        .assert_root()
        .assert_status_error("error: cannot reach mysql://gone")
        .assert_attr(semconv::ERROR_TYPE, "start_failed");

    let inits = tree.spans_named("critical_service.init");
    inits[0]
        .assert_attr(
            "opts",
            r#"ServiceOpts { database_url: "postgres://db/app", pool_size: 4 }"#,
        )
        .assert_status_unset()
        .assert_no_event(semconv::EXCEPTION_EVENT);

    tree.span("critical_service.terminate")
        .assert_attr("reason", "normal")
        .assert_attr("state", "Resources { connections: 4 }")
        .assert_status_unset();

    let message = "error: cannot reach mysql://gone";
    inits[1]
        .assert_attr(
            "opts",
            r#"ServiceOpts { database_url: "mysql://gone", pool_size: 4 }"#,
        )
        .assert_status_error(message)
        .assert_attr(semconv::ERROR_TYPE, "error")
        .assert_event_attr(
            semconv::EXCEPTION_EVENT,
            semconv::EXCEPTION_MESSAGE,
            message,
        );
}
