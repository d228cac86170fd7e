//! The `chat` example's walk-through, asserted on its spans and metrics, plus
//! the error replies of the dispatch `#[traced_channel]` generates.

#[allow(dead_code)]
#[path = "../../examples/chat.rs"]
mod chat;

use std::time::Duration;

use opentelemetry::trace::SpanKind;
use serde_json::json;
use tracewire::semconv;
use tracewire::testing::{TestTracing, TraceTree};

/// The tree once `name` has been captured (spawned work may end just after
/// the walk-through returns), waiting a bounded time.
async fn tree_with(tracing: &TestTracing, name: &str) -> TraceTree {
    for _ in 0..200 {
        let tree = tracing.tree();
        if !tree.spans_named(name).is_empty() {
            return tree;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tracing.tree()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_chat_pattern_traces_end_to_end() {
    let tracing = TestTracing::install();
    let transcript = chat::run().await.expect("the walk-through runs");
    assert!(
        transcript
            .lines
            .contains(&"connect with a bad token -> HTTP Some(403)".to_owned()),
        "{:#?}",
        transcript.lines
    );
    let tree = tree_with(&tracing, "document.notify_complete").await;

    // UserSocket.connect: one refusal, three authenticated sockets.
    let connects = tree.spans_named("socket.connect");
    assert_eq!(connects.len(), 4, "{tree}");
    connects[0]
        .assert_kind(SpanKind::Server)
        .assert_status_error("authentication failed");
    for connect in &connects[1..] {
        connect
            .assert_attr("socket.transport", "websocket")
            .assert_event("socket.authenticated")
            .assert_status_unset();
    }

    // RoomChannel.join: three joins and the refused private room.
    let joins = tree.spans_named("room.join");
    assert_eq!(joins.len(), 4, "{tree}");
    joins[0]
        .assert_attr("topic", "room:lobby")
        .assert_attr("channel.name", "room")
        .assert_attr("user.id", "alice")
        .assert_event_attr("room.joined", "room.member_count", 1i64);
    joins[3]
        .assert_attr("topic", "room:private")
        .assert_status_error("unauthorized")
        .assert_attr(semconv::ERROR_TYPE, "join_refused")
        .assert_event("room.join_failed");

    // message:new: a traced broadcast, delivered to bob only (broadcast_from),
    // and the validation error path.
    let sends = tree.spans_named("room.handle_in message:new");
    assert_eq!(sends.len(), 2, "{tree}");
    let sent = sends[0]
        .assert_kind(SpanKind::Server)
        .assert_attr("message.length", 13i64)
        .assert_attr("user.id", "alice")
        .assert_event("message.created")
        .assert_status_unset();
    let broadcast = sent.children()[0]
        .assert_kind(SpanKind::Producer)
        .assert_attr("messaging.destination.name", "room:lobby")
        .assert_attr("broadcast.event", "message:new");
    assert!(broadcast.attr("broadcast.payload_size").is_some(), "{tree}");
    let deliveries = tree.spans_named("room.handle_out message:new");
    assert_eq!(deliveries.len(), 1, "{tree}");
    deliveries[0]
        .assert_kind(SpanKind::Consumer)
        .assert_attr("user.id", "bob")
        .assert_root();
    assert_eq!(
        deliveries[0].links()[0].span_context.span_id(),
        broadcast.data().span_context.span_id(),
        "the delivery links to its broadcast"
    );
    sends[1]
        .assert_status_error("validation_failed")
        .assert_attr(semconv::ERROR_TYPE, "validation_failed")
        .assert_event("message.validation_failed");

    // typing:start: broadcast to bob.
    tree.span("room.handle_in typing:start").children()[0].assert_kind(SpanKind::Producer);
    tree.span("room.handle_out typing:start")
        .assert_linked_to("channel.broadcast");

    // The announcement fans out to two rooms: two broadcasts under the
    // handler, three recipients (alice and bob in the lobby, carol).
    let announce = tree
        .span("room.handle_in announcement:create")
        .assert_event_attr("announcement.broadcasted", "broadcast.room_count", 2i64);
    let fan_out = announce.children();
    assert_eq!(fan_out.len(), 2, "{tree}");
    for (room_span, room) in fan_out.iter().zip(["lobby", "random"]) {
        room_span.assert_attr("target.room", room);
        assert!(room_span.attr("announcement.id").is_some(), "{tree}");
        room_span.children()[0]
            .assert_kind(SpanKind::Producer)
            .assert_attr("messaging.destination.name", format!("room:{room}"));
    }
    assert_eq!(
        tree.spans_named("room.handle_out announcement:new").len(),
        3,
        "{tree}"
    );

    // DocumentChannel: the spawned processing is a child of the handler,
    // and its push to the client a child of the processing.
    tree.span("document.process")
        .assert_parent("document.handle_in document:process")
        .assert_attr("processing.async", true)
        .assert_attr("document_id", 42i64);
    tree.span("document.notify_complete")
        .assert_parent("document.process")
        .assert_status_unset();

    // terminate: carol left; the others were shut down with the server.
    let terminations = tree.spans_named("room.terminate");
    assert_eq!(terminations.len(), 3, "{tree}");
    terminations[0]
        .assert_attr("reason", "leave")
        .assert_attr("user.id", "carol");
    for shut in &terminations[1..] {
        shut.assert_attr("reason", "shutdown");
    }

    // The handler metrics: counts and durations by handler and outcome.
    let handler = "room.handle_in message:new";
    assert_eq!(tracing.handler_calls(handler, "ok"), 1);
    assert_eq!(tracing.handler_calls(handler, "error"), 1);
    assert_eq!(tracing.handler_durations("room.join", "ok"), 3);
    assert_eq!(tracing.handler_calls("room.join", "error"), 1);
}

#[tokio::test]
async fn generated_dispatch_answers_bad_payloads_and_unknown_events_with_errors() {
    let tracing = TestTracing::install();
    let server = chat::serve().await.expect("serves");
    let mut client = chat::ChatClient::connect(&server.url(), "alice")
        .await
        .expect("alice connects");
    assert_eq!(client.join("room:lobby").await.0, "ok");

    let (status, response) = client
        .push("room:lobby", "message:new", json!({ "text": "no body" }))
        .await;
    assert_eq!(status, "error");
    assert_eq!(response["reason"], "invalid payload");
    assert!(
        response["details"]
            .as_str()
            .is_some_and(|d| d.contains("missing field `body`")),
        "{response}"
    );

    let (status, response) = client.push("room:lobby", "no:such:event", json!({})).await;
    assert_eq!(status, "error");
    assert_eq!(
        response,
        json!({ "reason": "unknown event", "event": "no:such:event" })
    );

    // The connection survived both.
    let (status, _) = client
        .push("room:lobby", "message:new", json!({ "body": "still here" }))
        .await;
    assert_eq!(status, "ok");
    client.close().await;
    server.shutdown().await;

    // Both rejections are traced, named as their handlers would be.
    let tree = tracing.tree();
    let sends = tree.spans_named("room.handle_in message:new");
    assert_eq!(sends.len(), 2, "{tree}");
    sends[0]
        .assert_kind(SpanKind::Server)
        .assert_attr(semconv::ERROR_TYPE, "invalid_payload");
    sends[1].assert_status_unset();
    tree.span("room.handle_in")
        .assert_attr("channel.event", "no:such:event")
        .assert_attr(semconv::ERROR_TYPE, "error_reply")
        .assert_status_error("unknown event");
}
