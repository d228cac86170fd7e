//! The server's limits and refusals as observability sees them: each limit
//! hit counted in `tracewire.channel.limit_hits` under its name, refused
//! upgrades traced on `socket.connect`, and nothing a client sends recorded
//! raw (its connect params) or at any length (its user agent).

use std::time::Duration;

use opentelemetry::trace::SpanKind;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::tungstenite::Message;
use tracewire::semconv::{ERROR_TYPE, MAX_RECORDED_STRING};
use tracewire::testing::{TestTracing, TraceTree};

use crate::channel_support::{Client, serve, server};

/// Waits until `limit` has been hit `count` times (some hits are counted
/// when a connection's task ends, just after the client sees it close).
async fn wait_hits(tracing: &TestTracing, limit: &str, count: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let hits = tracing.limit_hits(limit);
        if hits >= count {
            assert_eq!(hits, count, "too many `{limit}` hits");
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "`{limit}`: {hits} hits, expected {count}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until `count` `socket.connect` spans have ended.
async fn connect_spans(tracing: &TestTracing, count: usize) -> TraceTree {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let tree = tracing.tree();
        if tree.spans_named("socket.connect").len() >= count {
            return tree;
        }
        assert!(tokio::time::Instant::now() < deadline, "{tree}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_limit_hit_is_counted_and_every_refused_upgrade_traced() {
    let tracing = TestTracing::install();
    let server = serve(
        server()
            .handshake_timeout(Duration::from_millis(200))
            .max_connections(2)
            .max_channels(1)
            .max_topic_length(16)
            .max_event_length(8)
            .max_message_rate(1, 3)
            .max_frame_size(4096),
    )
    .await;
    let url = server.url();
    let with_token = format!("{url}&token=secret");

    // A user agent of any length is recorded cut; the connect params (the
    // token) are not recorded at all.
    let user_agent = format!("agent/{}", "u".repeat(1000));
    let client = Client::connect_with(&with_token, &[("user-agent", &user_agent)])
        .await
        .unwrap();
    let tree = connect_spans(&tracing, 1).await;
    let connect = tree.span("socket.connect").assert_status_unset();
    let recorded = connect.attr("socket.user_agent").unwrap().to_string();
    assert!(recorded.len() <= MAX_RECORDED_STRING, "{}", recorded.len());
    assert!(recorded.starts_with("agent/uuu") && recorded.ends_with('…'));
    for kv in &connect.data().attributes {
        assert!(!kv.value.to_string().contains("secret"), "{}", kv.key);
    }
    client.close().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while server.connection_count() > 0 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tracing.reset();

    // Another site's page: 403, traced, `connect` never asked.
    let refused = Client::connect_with(&with_token, &[("origin", "http://evil.example")])
        .await
        .err()
        .expect("refused");
    assert_eq!(refused.status, 403);
    let tree = connect_spans(&tracing, 1).await;
    tree.span("socket.connect")
        .assert_kind(SpanKind::Server)
        .assert_status_error("origin \"http://evil.example\" is not allowed to open a socket")
        .assert_attr(ERROR_TYPE, "origin_refused")
        .assert_no_event("socket.authenticated");
    tracing.reset();

    // The connection limit: 503, traced and counted.
    let mut a = Client::connect(&url, "user=a").await;
    let mut b = Client::connect(&url, "user=b").await;
    let full = Client::connect_with(&with_token, &[])
        .await
        .err()
        .expect("full");
    assert_eq!(full.status, 503);
    let tree = connect_spans(&tracing, 3).await;
    let connects = tree.spans_named("socket.connect");
    connects[2]
        .assert_status_error("too many connections: the server is at its limit")
        .assert_attr(ERROR_TYPE, "connection_limit");
    wait_hits(&tracing, "connections", 1).await;

    // Channels per socket, topic and event length: error replies.
    let join_ref = a.join_ok("room:a").await;
    let (_, reply) = a.join("room:b", json!({})).await;
    assert_eq!(reply[4]["response"]["reason"], "too many channels");
    let reply = a
        .call(&join_ref, "room:a-very-long-topic", "echo", json!({}))
        .await;
    assert_eq!(reply[4]["response"]["reason"], "topic too long");
    let reply = a
        .call(&join_ref, "room:a", "much_too_long", json!({}))
        .await;
    assert_eq!(reply[4]["response"]["reason"], "event name too long");
    wait_hits(&tracing, "channels", 1).await;
    wait_hits(&tracing, "topic_length", 1).await;
    wait_hits(&tracing, "event_length", 1).await;

    // The message rate: three at once are allowed, the fourth is not.
    let mut last = String::new();
    for _ in 0..4 {
        last = b.push(None, "room:z", "echo", json!({})).await;
    }
    let reply = b.reply_to(&last).await;
    assert_eq!(reply[4]["response"]["reason"], "rate limit exceeded");
    wait_hits(&tracing, "message_rate", 1).await;

    // A frame over the limit closes the connection with 1009.
    b.send_raw(Message::text("x".repeat(5000))).await;
    assert_eq!(b.closed().await.0, 1009);
    wait_hits(&tracing, "frame_size", 1).await;

    // A half-written upgrade request is closed, and counted.
    let mut half = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    half.write_all(b"GET /socket/websocket HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), half.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "{read:?}");
    wait_hits(&tracing, "handshake_timeout", 1).await;

    // None of it touched the connection that stayed within its limits.
    let reply = a
        .call(&join_ref, "room:a", "echo", json!({"still": "here"}))
        .await;
    assert_eq!(reply[4]["response"], json!({"still": "here"}));
    a.close().await;
    server.shutdown().await;
}
