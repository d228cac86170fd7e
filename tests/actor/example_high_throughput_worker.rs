//! The `high_throughput_worker` example's trace, asserted.

#[allow(dead_code)]
#[path = "../../examples/high_throughput_worker.rs"]
mod high_throughput_worker;

use opentelemetry::trace::SpanKind;
use tracewire::testing::{TestTracing, TraceTree, trace_id_under_rate};

use high_throughput_worker::{REQUESTS, SAMPLE_RATE};

const CLIENT: &str = "worker.call process";
const HANDLER: &str = "worker.handle_call process";
const CHILD: &str = "worker.do_process";

/// Every kept request is a whole trace: client → handler → `do_process`,
/// with no span whose parent was dropped.
fn assert_kept_traces_are_whole(tree: &TraceTree) {
    let handlers = tree.spans_named(HANDLER);
    assert!(!handlers.is_empty(), "no request was traced:\n{tree}");
    assert_eq!(tree.spans_named(CLIENT).len(), handlers.len(), "{tree}");
    assert_eq!(tree.spans_named(CHILD).len(), handlers.len(), "{tree}");
    for handler in &handlers {
        let client = handler
            .assert_kind(SpanKind::Server)
            .parent()
            .expect("a handler under its client span");
        client.assert_root().assert_kind(SpanKind::Client);
        assert_eq!(client.name(), CLIENT);
        assert_eq!(handler.attr("data"), client.attr("data"), "{tree}");
        let children = handler.children();
        assert_eq!(children.len(), 1, "{tree}");
        children[0]
            .assert_parent(HANDLER)
            .assert_attr("data", handler.attr("data").expect("data").clone());
    }
    // Nothing else was exported without its parent: the only roots are the
    // kept client spans and the worker's `init`.
    for root in tree.roots() {
        assert!(
            root.name() == CLIENT || root.name() == "worker.init",
            "orphan {}:\n{tree}",
            root.name()
        );
    }
}

#[tokio::test]
async fn kept_requests_keep_their_whole_trace() {
    let tracing = TestTracing::install();
    high_throughput_worker::run().await;
    assert_kept_traces_are_whole(&tracing.tree());
}

/// Fails today: `ActorRef::call` starts the client span `worker.call
/// process` as a root with no rate of its own, so it is always sampled, and
/// `worker.handle_call process` follows its parent. `sample = 0.1` on
/// `handle_call` therefore never drops anything (1000 of 1000 kept).
#[tokio::test]
async fn about_ten_percent_of_requests_are_kept() {
    let tracing = TestTracing::install();
    high_throughput_worker::run().await;
    let tree = tracing.tree();
    let kept = tree.spans_named(HANDLER).len() as f64;
    // Within five standard deviations: a false failure is a
    // one-in-three-million event.
    let n = REQUESTS as f64;
    let expected = n * SAMPLE_RATE;
    let sigma = (n * SAMPLE_RATE * (1.0 - SAMPLE_RATE)).sqrt();
    assert!(
        (kept - expected).abs() <= 5.0 * sigma,
        "{kept} of {REQUESTS} kept; expected {expected} ± {}",
        5.0 * sigma
    );
    // The decision is the trace id's, made once for the whole trace.
    for client in tree.spans_named(CLIENT) {
        assert!(trace_id_under_rate(
            client.data().span_context.trace_id(),
            SAMPLE_RATE
        ));
    }
    assert_kept_traces_are_whole(&tree);
}
