#![deny(warnings, clippy::all)]
//! Two channel-server nodes in one process, each with its own Redis adapter
//! connection and node name, against a real `redis-server` that each test
//! starts on a free loopback port (scripts/install/redis.sh installs it; a
//! missing one is a failure, never a skip):
//!
//! - 200 clients per node: every cross-node broadcast reaches every
//!   subscriber exactly once, in each publisher's order, and
//!   `broadcast_from` excludes its sender across nodes;
//! - Redis killed (SIGKILL) and restarted on the same port: local delivery
//!   goes on, what could not be published is counted and its span is an
//!   Error, cross-node delivery resumes;
//! - Redis hung (SIGSTOP): the bounded publish queue fills, refuses and
//!   counts, local delivery goes on;
//! - hostile data published on the channel by a plain Redis client is
//!   ignored and counted, and both nodes keep serving;
//! - node B's deliveries link to node A's `channel.broadcast` span, and the
//!   publish to Redis is a PRODUCER span under it.
//!
//! Every test captures with `TestTracing`, which serialises them.

#[path = "../channel_support/mod.rs"]
mod channel_support;
mod presence;
mod redis_server;

use std::time::Duration;

use opentelemetry::trace::{SpanKind, Status};
use serde_json::{Value, json};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracewire::channel::{
    PubSub, ServerHandle,
    cluster::{MAX_MESSAGE_SIZE, RedisAdapter},
};
use tracewire::testing::{TestTracing, TraceTree};

use channel_support::Client;
use redis_server::RedisServer;

/// The Redis channel the test nodes meet on.
const CHANNEL: &str = "tracewire-test";
const PUBLISH_SPAN: &str = "publish tracewire-test";
/// How long a bounded poll waits before failing the test.
pub(crate) const PATIENCE: Duration = Duration::from_secs(15);

async fn node(redis: &RedisServer, name: &str) -> ServerHandle {
    node_with(redis, name, |adapter| adapter).await
}

async fn node_with(
    redis: &RedisServer,
    name: &str,
    configure: impl FnOnce(RedisAdapter) -> RedisAdapter,
) -> ServerHandle {
    let adapter = RedisAdapter::new(&redis.url())
        .unwrap()
        .node_name(name)
        .channel(CHANNEL);
    channel_support::serve(channel_support::server().adapter(configure(adapter))).await
}

/// Waits until each node's node messages reach the other: both publishers
/// connected, both subscribers subscribed.
async fn linked(a: &PubSub, b: &PubSub) {
    let mut on_a = a.node_subscribe("ready");
    let mut on_b = b.node_subscribe("ready");
    let (mut a_heard, mut b_heard) = (false, false);
    let deadline = Instant::now() + PATIENCE;
    while !(a_heard && b_heard) {
        assert!(
            Instant::now() < deadline,
            "the nodes never linked through Redis"
        );
        a.node_broadcast("ready", json!({})).unwrap();
        b.node_broadcast("ready", json!({})).unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        a_heard |= on_a.try_recv().is_some();
        b_heard |= on_b.try_recv().is_some();
    }
}

async fn joined(server: &ServerHandle, user: &str) -> (Client, String) {
    let mut client = Client::connect(&server.url(), &format!("user={user}")).await;
    let join_ref = client.join_ok("room:lobby").await;
    (client, join_ref)
}

/// `count` clients joined to `room:lobby`, connecting all at once.
async fn crowd(server: &ServerHandle, node: &str, count: usize) -> Vec<(Client, String)> {
    let mut joins = JoinSet::new();
    for i in 0..count {
        let url = server.url();
        let user = format!("{node}{i}");
        joins.spawn(async move {
            let mut client = Client::connect(&url, &format!("user={user}")).await;
            let join_ref = client.join_ok("room:lobby").await;
            (i, client, join_ref)
        });
    }
    let mut clients: Vec<_> = joins.join_all().await;
    clients.sort_by_key(|(i, _, _)| *i);
    clients.into_iter().map(|(_, c, r)| (c, r)).collect()
}

/// Waits until `count` spans named `name` have ended, then snapshots.
async fn wait_spans(tracing: &TestTracing, name: &str, count: usize) -> TraceTree {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let tree = tracing.tree();
        let found = tree.spans_named(name).len();
        if found >= count {
            return tree;
        }
        assert!(
            Instant::now() < deadline,
            "expected {count} `{name}` spans, found {found}\n{tree}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Waits until `read()` reaches `want`.
async fn wait_count(what: &str, want: u64, read: impl Fn() -> u64) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let got = read();
        if got >= want {
            assert_eq!(got, want, "{what}: more than expected");
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {got} of {want}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

const PER_NODE: usize = 200;
const SHOUTS: u64 = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_of_200_clients_get_every_broadcast_once_in_order_and_broadcast_from_skips_its_sender()
 {
    let _tracing = TestTracing::install();
    let redis = RedisServer::start();
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    linked(a.pubsub(), b.pubsub()).await;
    let (mut on_a, mut on_b) = tokio::join!(crowd(&a, "a", PER_NODE), crowd(&b, "b", PER_NODE));

    // One sender per node, interleaved.
    for seq in 0..SHOUTS {
        let (a0, a0_ref) = &mut on_a[0];
        a0.push(
            Some(a0_ref),
            "room:lobby",
            "shout",
            json!({"from": "a", "seq": seq}),
        )
        .await;
        let (b0, b0_ref) = &mut on_b[0];
        b0.push(
            Some(b0_ref),
            "room:lobby",
            "shout",
            json!({"from": "b", "seq": seq}),
        )
        .await;
    }
    let (b0, b0_ref) = &mut on_b[0];
    let reply = b0
        .call(
            b0_ref,
            "room:lobby",
            "shout_others",
            json!({"from": "b", "seq": "others"}),
        )
        .await;
    assert_eq!(reply[4]["status"], "ok");
    for (sender, from) in [(&mut on_a[0], "a"), (&mut on_b[0], "b")] {
        let (client, join_ref) = sender;
        client
            .push(
                Some(join_ref),
                "room:lobby",
                "shout",
                json!({"from": from, "seq": "end"}),
            )
            .await;
    }

    // Every client, on either node, reads until both senders' "end".
    let mut reads = JoinSet::new();
    for (node, clients) in [("a", on_a), ("b", on_b)] {
        for (i, (mut client, _)) in clients.into_iter().enumerate() {
            reads.spawn(async move {
                let mut seen: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
                while seen.iter().any(|s| s.last() != Some(&json!("end"))) {
                    let frame = client.recv().await;
                    if frame[3] != "shout" {
                        continue;
                    }
                    let origin = usize::from(frame[4]["from"] == "b");
                    seen[origin].push(frame[4]["seq"].clone());
                }
                (node, i, seen)
            });
        }
    }
    let in_order: Vec<Value> = (0..SHOUTS).map(Value::from).collect();
    let mut clients = 0;
    for (node, i, [from_a, from_b]) in reads.join_all().await {
        clients += 1;
        let mut want_a = in_order.clone();
        want_a.push(json!("end"));
        let mut want_b = in_order.clone();
        if (node, i) != ("b", 0) {
            want_b.push(json!("others"));
        }
        want_b.push(json!("end"));
        assert_eq!(from_a, want_a, "client {node}{i}, node a's broadcasts");
        assert_eq!(from_b, want_b, "client {node}{i}, node b's broadcasts");
    }
    assert_eq!(clients, 2 * PER_NODE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_local_delivery_goes_on_losses_are_counted_and_delivery_resumes()
{
    let tracing = TestTracing::install();
    let mut redis = RedisServer::start();
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    linked(a.pubsub(), b.pubsub()).await;
    let (mut a1, _) = joined(&a, "a1").await;
    let (mut b1, _) = joined(&b, "b1").await;
    tracing.reset();

    // Counted since the nodes started: `linked` may have published before
    // a publisher was connected.
    let before = tracing.pubsub_unpublished("disconnected");
    redis.kill();
    // Local delivery goes on; cross-node publishes fail, counted, until
    // the publisher has noticed (the first may fail on the dead
    // connection, later ones at once).
    let deadline = Instant::now() + PATIENCE;
    let mut n = 0;
    while tracing.pubsub_unpublished("disconnected") < before + 2 {
        assert!(
            Instant::now() < deadline,
            "no unpublished broadcast counted"
        );
        a.pubsub()
            .broadcast("room:lobby", "shout", json!({"outage": n}))
            .unwrap();
        assert_eq!(
            a1.event("room:lobby", "shout").await[4],
            json!({"outage": n})
        );
        n += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let tree = tracing.tree();
    let failed = tree
        .spans_named(PUBLISH_SPAN)
        .into_iter()
        .find(|span| matches!(span.status(), Status::Error { .. }))
        .unwrap_or_else(|| panic!("no failed publish span\n{tree}"));
    failed
        .assert_kind(SpanKind::Producer)
        .assert_parent("channel.broadcast")
        .assert_attr("error.type", "disconnected")
        .assert_attr("messaging.system", "redis");

    // Back on the same port: both nodes reconnect (with backoff) and
    // cross-node delivery resumes, both ways.
    redis.restart();
    linked(a.pubsub(), b.pubsub()).await;
    a.pubsub()
        .broadcast("room:lobby", "shout", json!({"after": "a"}))
        .unwrap();
    b.pubsub()
        .broadcast("room:lobby", "shout", json!({"after": "b"}))
        .unwrap();
    let after_a = b1
        .recv_where(|f| f[3] == "shout" && f[4]["after"] == "a")
        .await;
    assert_eq!(after_a[4], json!({"after": "a"}));
    a1.recv_where(|f| f[3] == "shout" && f[4]["after"] == "b")
        .await;
    // Nothing published during the outage was kept for later.
    let kept: Vec<Value> = b1
        .take_inbox()
        .into_iter()
        .filter(|f| f[4].get("outage").is_some())
        .collect();
    assert_eq!(kept, Vec::<Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_fills_the_bounded_publish_queue_which_refuses_and_counts() {
    let tracing = TestTracing::install();
    let redis = RedisServer::start();
    // Room for a few messages only.
    let a = node_with(&redis, "a", |adapter| adapter.max_queue(4096)).await;
    let b = node(&redis, "b").await;
    linked(a.pubsub(), b.pubsub()).await;
    let (mut a1, _) = joined(&a, "a1").await;
    tracing.reset();

    // Redis hangs with its connections open: publishes queue up behind the
    // first pipeline until the queue is full.
    redis.pause(true);
    let deadline = Instant::now() + PATIENCE;
    let mut n = 0;
    while tracing.pubsub_unpublished("queue_full") == 0 {
        assert!(Instant::now() < deadline, "the queue never filled");
        a.pubsub()
            .broadcast(
                "room:lobby",
                "shout",
                json!({"n": n, "pad": "x".repeat(200)}),
            )
            .unwrap();
        // Local delivery does not wait for Redis.
        assert_eq!(a1.event("room:lobby", "shout").await[4]["n"], n);
        n += 1;
    }
    let tree = tracing.tree();
    let refused = tree
        .spans_named("channel.broadcast")
        .into_iter()
        .find(|span| matches!(span.status(), Status::Error { .. }))
        .unwrap_or_else(|| panic!("no refused broadcast\n{tree}"));
    refused.assert_attr("error.type", "queue_full");

    // Resumed, the nodes link again (the hung connection timed out and was
    // replaced, or drained).
    redis.pause(false);
    linked(a.pubsub(), b.pubsub()).await;
}

/// A broadcast message from a node that does not exist, with `trace`.
fn forged(seq: u64, trace: Value) -> Vec<u8> {
    json!({
        "v": 1, "node": "mallory", "to": null, "kind": "broadcast",
        "topic": "room:lobby", "event": "shout", "from": null,
        "trace_context": trace, "payload": {"forged": seq},
    })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_data_on_the_channel_is_ignored_and_counted_and_both_nodes_keep_serving() {
    let tracing = TestTracing::install();
    let redis = RedisServer::start();
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    linked(a.pubsub(), b.pubsub()).await;
    let (mut a1, _) = joined(&a, "a1").await;
    let (mut b1, _) = joined(&b, "b1").await;
    tracing.reset();

    let message = |v: u64, topic: &str| {
        json!({"v": v, "node": "mallory", "to": null, "kind": "node", "topic": topic, "payload": {}})
            .to_string()
            .into_bytes()
    };
    let hostile: Vec<Vec<u8>> = vec![
        // malformed
        b"\xff\xfe garbage \x00".to_vec(),
        b"[1, 2, 3]".to_vec(),
        // wrong_envelope
        br#"{"hello": "world"}"#.to_vec(),
        message(2, "presence"),
        message(1, &"t".repeat(5000)),
        // oversized
        vec![b' '; MAX_MESSAGE_SIZE + 1],
        // trace_context: delivered without it
        forged(1, json!({"traceparent": "00-zzzz-forged-01"})),
        forged(
            2,
            json!({"traceparent": format!("00-{}-00f067aa0ba902b7-01", "4".repeat(600))}),
        ),
        forged(3, json!(42)),
    ];
    let client = redis::Client::open(redis.url()).unwrap();
    let mut plain = client.get_multiplexed_async_connection().await.unwrap();
    for bytes in &hostile {
        let receivers: i64 = redis::cmd("PUBLISH")
            .arg(CHANNEL)
            .arg(bytes.as_slice())
            .query_async(&mut plain)
            .await
            .unwrap();
        assert_eq!(receivers, 2, "both nodes are subscribed");
    }

    // Each node counts each one.
    for (reason, per_node) in [
        ("malformed", 2),
        ("wrong_envelope", 3),
        ("oversized", 1),
        ("trace_context", 3),
    ] {
        wait_count(reason, 2 * per_node, || tracing.pubsub_rejected(reason)).await;
    }
    // The forged-context broadcasts reached the clients, unlinked.
    for client in [&mut a1, &mut b1] {
        for seq in 1..=3 {
            assert_eq!(
                client.event("room:lobby", "shout").await[4],
                json!({"forged": seq})
            );
        }
    }
    let tree = wait_spans(&tracing, "room.handle_out shout", 6).await;
    for delivery in tree.spans_named("room.handle_out shout") {
        assert!(
            delivery.links().is_empty(),
            "a forged context was linked\n{tree}"
        );
    }

    // Both nodes keep serving: new clients, cross-node broadcasts both ways.
    let (mut a2, a2_ref) = joined(&a, "a2").await;
    let (mut b2, b2_ref) = joined(&b, "b2").await;
    a2.push(Some(&a2_ref), "room:lobby", "shout", json!({"still": "a"}))
        .await;
    b2.push(Some(&b2_ref), "room:lobby", "shout", json!({"still": "b"}))
        .await;
    for client in [&mut a1, &mut b1, &mut a2, &mut b2] {
        for from in ["a", "b"] {
            client
                .recv_where(|f| f[3] == "shout" && f[4]["still"] == from)
                .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_b_deliveries_link_to_node_a_broadcast_and_the_publish_is_a_producer_span_under_it() {
    let tracing = TestTracing::install();
    let redis = RedisServer::start();
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    linked(a.pubsub(), b.pubsub()).await;
    let (mut b1, _) = joined(&b, "b1").await;
    tracing.reset();

    a.pubsub()
        .broadcast("room:lobby", "shout", json!({"n": 1}))
        .unwrap();
    assert_eq!(b1.event("room:lobby", "shout").await[4], json!({"n": 1}));

    wait_spans(&tracing, PUBLISH_SPAN, 1).await;
    let tree = wait_spans(&tracing, "room.handle_out shout", 1).await;
    tree.span("channel.broadcast")
        .assert_root()
        .assert_attr("messaging.destination.name", "room:lobby")
        .assert_attr("broadcast.recipients", 0_i64);
    tree.span(PUBLISH_SPAN)
        .assert_parent("channel.broadcast")
        .assert_kind(SpanKind::Producer)
        .assert_attr("messaging.system", "redis")
        .assert_attr("messaging.destination.name", CHANNEL)
        .assert_attr("messaging.operation.name", "publish")
        .assert_status_unset();
    tree.span("room.handle_out shout")
        .assert_root()
        .assert_kind(SpanKind::Consumer)
        .assert_linked_to("channel.broadcast");
    // Clients never see the context.
    b1.assert_silent(Duration::from_millis(50)).await;
}
