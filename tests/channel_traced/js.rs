//! Interop: the official `phoenix` JavaScript client (npm `phoenix` 1.8,
//! over the `ws` package, on Node 20) against the `chat` example's server.
//! The client connects, is refused on a bad token, joins, pushes, receives
//! replies and a broadcast, and leaves (`tests/js/chat_client.js`); the test
//! asserts what it saw and the span tree the server recorded.
//!
//! `scripts/install/js.sh` installs the client into `tests/js/node_modules`.
//! With `CI=true`, a missing client or Node is a failure, not a skip.

// `example_chat` includes the example too: each test keeps its own copy (its
// own `NEXT_ID`), as when the two were separate test binaries.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../../examples/chat.rs"]
mod chat;

use std::path::Path;
use std::process::Command;

use opentelemetry::trace::SpanKind;
use serde_json::json;
use tracewire::testing::TestTracing;

/// The client script `name` in tests/js, if it can run here.
pub fn client_script(name: &str) -> Option<std::path::PathBuf> {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let installed = js.join("node_modules/phoenix/package.json").exists()
        && js.join("node_modules/ws/package.json").exists();
    let node = Command::new("node").arg("--version").output().is_ok();
    if installed && node {
        return Some(js.join(name));
    }
    let why = "the phoenix client is not installed: run `bash scripts/install/js.sh` (needs Node 20 and npm)";
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    eprintln!("SKIPPED channel_traced::js: {why}");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_phoenix_client_talks_to_the_server() {
    chat_over("websocket").await;
}

/// The same chat over LongPoll: the client's WebSocket is blocked, and it
/// falls back (`longPollFallbackMs`) to `/socket/longpoll`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_phoenix_client_falls_back_to_longpoll() {
    chat_over("longpoll").await;
}

async fn chat_over(transport: &'static str) {
    let Some(script) = client_script("chat_client.js") else {
        return;
    };
    let tracing = TestTracing::install();
    let server = chat::serve().await.expect("serves");
    let socket_url = format!("ws://{}/socket", server.local_addr());

    let args = vec![socket_url, transport.to_owned()];
    let (mut seen, stderr) = crate::node::json_lines(script, args, "the phoenix client").await;
    server.shutdown().await;

    if transport == "longpoll" {
        let used = seen.pop();
        assert_eq!(
            used,
            Some(json!({ "what": "transport", "alice": "LongPoll", "bob": "LongPoll" })),
            "stderr:\n{stderr}"
        );
    }
    // What the JavaScript client saw.
    assert_eq!(
        seen,
        vec![
            json!({ "what": "rejected", "token": "not-a-token" }),
            json!({ "what": "join", "who": "alice", "status": "ok", "response": {} }),
            json!({ "what": "join", "who": "bob", "status": "ok", "response": {} }),
            json!({
                "what": "reply", "event": "message:new", "status": "ok",
                "response": { "id": seen[3]["response"]["id"] }
            }),
            json!({
                "what": "broadcast", "to": "bob",
                "payload": { "id": seen[3]["response"]["id"], "user": "alice", "body": "hello from js" }
            }),
            json!({
                "what": "reply", "event": "no:such:event", "status": "error",
                "response": { "reason": "unknown event", "event": "no:such:event" }
            }),
            json!({ "what": "leave", "who": "alice", "status": "ok", "response": {} }),
            json!({ "what": "leave", "who": "bob", "status": "ok", "response": {} }),
        ],
        "stderr:\n{stderr}"
    );
    assert!(seen[3]["response"]["id"].is_u64(), "{seen:?}");

    // What the server traced.
    let tree = tracing.tree();
    let connects = tree.spans_named("socket.connect");
    assert_eq!(connects.len(), 3, "{tree}");
    connects[0].assert_status_error("authentication failed");
    for connect in &connects[1..] {
        connect.assert_event("socket.authenticated");
    }
    for connect in &connects {
        connect.assert_attr("socket.transport", transport);
    }
    assert_eq!(tree.spans_named("room.join").len(), 2, "{tree}");
    let sent = tree
        .span("room.handle_in message:new")
        .assert_kind(SpanKind::Server)
        .assert_attr("user.id", "alice")
        .assert_status_unset();
    sent.children()[0]
        .assert_kind(SpanKind::Producer)
        .assert_attr("broadcast.event", "message:new");
    tree.span("room.handle_out message:new")
        .assert_attr("user.id", "bob")
        .assert_linked_to("channel.broadcast");
    // The unknown event reached no handler, and is traced all the same.
    tree.span("room.handle_in")
        .assert_attr("channel.event", "no:such:event")
        .assert_status_error("unknown event");
    let terminations = tree.spans_named("room.terminate");
    assert_eq!(terminations.len(), 2, "{tree}");
    for leave in terminations {
        leave.assert_attr("reason", "leave");
    }
}
