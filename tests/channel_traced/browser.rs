//! A real browser: the `chat` example's page (`examples/chat.html`, with the
//! official `phoenix` client's browser build) in Debian's headless Chromium,
//! driven by puppeteer-core (`tests/browser/chat_page.js`). Two tabs join,
//! each sends, each shows the other's message; the same page served from
//! another origin (a second loopback port) is refused by the server's origin
//! check, and the browser sees the refusal (HTTP 403 on the handshake). The
//! test asserts what the pages showed and the spans the server recorded.
//!
//! `scripts/install/browser.sh` installs Chromium and puppeteer-core,
//! `scripts/install/js.sh` the phoenix client. With `CI=true`, a missing
//! part is a failure, not a skip. `TRACEWIRE_SCREENSHOT=page.png` saves a
//! screenshot of the page.

#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../../examples/chat.rs"]
mod chat;

use std::path::{Path, PathBuf};
use std::process::Command;

use opentelemetry::Value as AttributeValue;
use serde_json::json;
use tracewire::testing::TestTracing;

/// The driver script, if everything it needs is installed.
fn driver() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let missing: Vec<&str> = [
        (
            Path::new("/usr/bin/chromium").exists(),
            "/usr/bin/chromium (scripts/install/browser.sh)",
        ),
        (
            root.join("tests/browser/node_modules/puppeteer-core/package.json")
                .exists(),
            "puppeteer-core (scripts/install/browser.sh)",
        ),
        (
            root.join("tests/js/node_modules/phoenix/priv/static/phoenix.min.js")
                .exists(),
            "the phoenix client (scripts/install/js.sh)",
        ),
        (
            Command::new("node").arg("--version").output().is_ok(),
            "node",
        ),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, what)| what)
    .collect();
    if missing.is_empty() {
        return Some(root.join("tests/browser/chat_page.js"));
    }
    let why = format!("not installed: {}", missing.join(", "));
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
    eprintln!("SKIPPED channel_traced::browser: {why}");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_page_chats_in_headless_chromium_and_another_origin_is_refused() {
    let Some(script) = driver() else {
        return;
    };
    let tracing = TestTracing::install();
    let server = chat::serve().await.expect("serves");
    // The same page from another origin: a second server on another port.
    let other = chat::serve().await.expect("serves");
    let page = format!("http://{}", server.local_addr());
    let other_origin = format!("http://{}", other.local_addr());
    let screenshot = std::env::var("TRACEWIRE_SCREENSHOT").unwrap_or_default();

    let (seen, stderr) = crate::node::json_lines(
        script,
        vec![page, other_origin, screenshot],
        "the browser test",
    )
    .await;
    other.shutdown().await;
    server.shutdown().await;

    // What the pages showed: each tab its own message and the other's.
    assert_eq!(
        seen,
        vec![
            json!({ "what": "joined", "who": "alice", "status": "joined room:lobby as alice" }),
            json!({ "what": "joined", "who": "bob", "status": "joined room:lobby as bob" }),
            json!({
                "what": "messages", "who": "alice",
                "shows": ["alice: hello from the browser", "bob: hi alice"]
            }),
            json!({
                "what": "messages", "who": "bob",
                "shows": ["alice: hello from the browser", "bob: hi alice"]
            }),
            json!({
                "what": "cross-origin",
                "status": "the server refused the connection",
                "refusal": seen[4]["refusal"],
            }),
        ],
        "stderr:\n{stderr}"
    );
    // The refusal the browser saw is the origin check's 403, not some other
    // failure to connect.
    let refusal = seen[4]["refusal"].to_string();
    assert!(
        refusal.contains("Unexpected response code: 403"),
        "{refusal}"
    );

    // What the server traced: the browser's sockets and messages, and the
    // refused upgrade from the other origin.
    let tree = tracing.tree();
    let (refused, connects): (Vec<_>, Vec<_>) = tree
        .spans_named("socket.connect")
        .into_iter()
        .filter(|connect| {
            connect.attr("socket.user_agent").is_some_and(|ua| {
                matches!(ua, AttributeValue::String(ua) if ua.as_str().contains("HeadlessChrome"))
            })
        })
        .partition(|connect| connect.attr("error.type").is_some());
    assert_eq!(connects.len(), 2, "alice's and bob's tabs:\n{tree}");
    for connect in &connects {
        connect.assert_event("socket.authenticated");
    }
    assert_eq!(refused.len(), 1, "the page from another origin:\n{tree}");
    refused[0]
        .assert_attr("error.type", "origin_refused")
        .assert_no_event("socket.authenticated");
    let sent = tree.spans_named("room.handle_in message:new");
    assert_eq!(sent.len(), 2, "{tree}");
    sent[0].assert_attr("user.id", "alice");
    sent[1].assert_attr("user.id", "bob");
    for send in sent {
        send.children()[0].assert_attr("broadcast.event", "message:new");
    }
    let delivered = tree.spans_named("room.handle_out message:new");
    assert_eq!(
        delivered.len(),
        2,
        "one delivery to the other tab each:\n{tree}"
    );
    for delivery in delivered {
        delivery.assert_linked_to("channel.broadcast");
    }
}
