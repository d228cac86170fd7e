//! The `user_cache` example's trace, asserted.

#[allow(dead_code)]
#[path = "../../examples/user_cache.rs"]
mod user_cache;

use opentelemetry::trace::SpanKind;
use tracewire::testing::TestTracing;

#[tokio::test]
async fn a_miss_a_hit_and_a_refresh() {
    let tracing = TestTracing::install();
    user_cache::run().await;
    let tree = tracing.tree();
    tree.assert_shape(
        "
        user_cache.init
        user_cache.call get_user
          user_cache.handle_call get_user
            user_cache.fetch_from_db
        user_cache.call get_user
          user_cache.handle_call get_user
        user_cache.cast refresh
          user_cache.handle_cast refresh
            user_cache.fetch_from_db
        ",
    );

    tree.span("user_cache.init")
        .assert_root()
        .assert_attr("ttl", 600i64)
        .assert_status_unset();

    // Each call is its own trace: a client span, then the server span.
    let calls = tree.spans_named("user_cache.call get_user");
    let handlers = tree.spans_named("user_cache.handle_call get_user");
    assert_eq!((calls.len(), handlers.len()), (2, 2), "{tree}");
    for (call, handler) in calls.iter().zip(&handlers) {
        call.assert_root()
            .assert_kind(SpanKind::Client)
            .assert_attr("user_id", 7i64)
            .assert_status_unset();
        handler
            .assert_kind(SpanKind::Server)
            .assert_attr("user_id", 7i64)
            .assert_status_unset();
        assert_eq!(
            handler.parent().map(|p| p.data().span_context.span_id()),
            Some(call.data().span_context.span_id()),
            "{tree}"
        );
    }

    // The first call missed, fetched, and grew the cache.
    let (miss, hit) = (handlers[0], handlers[1]);
    miss.assert_attr("cache_size", 0i64)
        .assert_event_attr("cache_miss", "user_id", 7i64)
        .assert_no_event("cache_hit");
    let fetch = miss.children()[0];
    assert_eq!(fetch.name(), "user_cache.fetch_from_db");
    fetch
        .assert_kind(SpanKind::Internal)
        .assert_attr("user_id", 7i64);
    let fetched = fetch
        .data()
        .end_time
        .duration_since(fetch.data().start_time);
    assert!(
        fetched.expect("ends after it starts").as_millis() >= 10,
        "{tree}"
    );

    // The second call hit: no fetch.
    hit.assert_attr("cache_size", 1i64)
        .assert_event_attr("cache_hit", "user_id", 7i64)
        .assert_no_event("cache_miss");
    assert!(hit.children().is_empty(), "{tree}");

    // The refresh is a cast: producer, then consumer, then the fetch.
    tree.span("user_cache.cast refresh")
        .assert_root()
        .assert_kind(SpanKind::Producer)
        .assert_attr("user_id", 7i64);
    let refresh = tree
        .span("user_cache.handle_cast refresh")
        .assert_parent("user_cache.cast refresh")
        .assert_kind(SpanKind::Consumer)
        .assert_attr("user_id", 7i64);
    refresh.children()[0].assert_parent("user_cache.handle_cast refresh");
}
