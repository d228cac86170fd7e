//! Two nodes in one process through the in-process adapter: broadcasts
//! cross nodes exactly once, `broadcast_from` excludes its sender,
//! `local_broadcast` stays home, order is kept, node messages reach the
//! nodes they are for, and the other node's deliveries link to the
//! broadcast span. (The Redis adapter's own tests are in `redis.rs`.)

use serde_json::json;
use tracewire::channel::{ServerHandle, cluster::InProcess};
use tracewire::testing::TestTracing;

use crate::channel_support::{self, Client};

async fn two_nodes() -> (ServerHandle, ServerHandle) {
    let cluster = InProcess::new("a");
    let a = channel_support::serve(channel_support::server().adapter(cluster.clone())).await;
    let b = channel_support::serve(channel_support::server().adapter(cluster.node("b"))).await;
    (a, b)
}

async fn joined(server: &ServerHandle, user: &str) -> (Client, String) {
    let mut client = Client::connect(&server.url(), &format!("user={user}")).await;
    let join_ref = client.join_ok("room:lobby").await;
    (client, join_ref)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_cross_nodes_once_broadcast_from_excludes_the_sender_and_local_stays_home() {
    let _tracing = TestTracing::install();
    let (a, b) = two_nodes().await;
    assert_eq!((a.pubsub().node_name(), b.pubsub().node_name()), ("a", "b"));
    let (mut a1, a1_ref) = joined(&a, "a1").await;
    let (mut a2, _) = joined(&a, "a2").await;
    let (mut b1, b1_ref) = joined(&b, "b1").await;

    // broadcast: every subscriber on both nodes, once.
    a1.push(Some(&a1_ref), "room:lobby", "shout", json!({"n": 1}))
        .await;
    for client in [&mut a1, &mut a2, &mut b1] {
        assert_eq!(
            client.event("room:lobby", "shout").await[4],
            json!({"n": 1})
        );
    }

    // broadcast_from, from node B: everyone but the sender.
    let reply = b1
        .call(&b1_ref, "room:lobby", "shout_others", json!({"n": 2}))
        .await;
    assert_eq!(reply[4]["status"], "ok");
    for client in [&mut a1, &mut a2] {
        assert_eq!(
            client.event("room:lobby", "shout").await[4],
            json!({"n": 2})
        );
    }

    // local_broadcast on A: A's subscribers only. The marker broadcast
    // after it is the next thing B's client sees.
    a.pubsub()
        .local_broadcast("room:lobby", "shout", json!({"n": "local"}))
        .unwrap();
    a.pubsub()
        .broadcast("room:lobby", "shout", json!({"n": "marker"}))
        .unwrap();
    for client in [&mut a1, &mut a2] {
        assert_eq!(
            client.event("room:lobby", "shout").await[4],
            json!({"n": "local"})
        );
        assert_eq!(
            client.event("room:lobby", "shout").await[4],
            json!({"n": "marker"})
        );
    }
    // B's client: neither its own `broadcast_from` nor the local one,
    // which would have arrived before the marker.
    assert_eq!(
        b1.event("room:lobby", "shout").await[4],
        json!({"n": "marker"})
    );
    assert_eq!(b1.take_inbox(), Vec::<serde_json::Value>::new());

    // Order per publisher per topic.
    for n in 0..50 {
        a1.push(Some(&a1_ref), "room:lobby", "shout", json!({"seq": n}))
            .await;
    }
    for n in 0..50 {
        assert_eq!(b1.event("room:lobby", "shout").await[4], json!({"seq": n}));
    }
    assert_eq!(b1.take_inbox(), Vec::<serde_json::Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_other_nodes_deliveries_link_to_the_one_broadcast_span() {
    let tracing = TestTracing::install();
    let (a, b) = two_nodes().await;
    let (mut a1, _) = joined(&a, "a1").await;
    let (mut b1, _) = joined(&b, "b1").await;
    tracing.reset();

    a.pubsub()
        .broadcast("room:lobby", "shout", json!({"n": 1}))
        .unwrap();
    a1.event("room:lobby", "shout").await;
    b1.event("room:lobby", "shout").await;

    let tree = crate::tracing::wait_spans(&tracing, "room.handle_out shout", 2).await;
    // One broadcast span, on the publishing node; each node's delivery is
    // a new trace linked to it.
    assert_eq!(tree.spans_named("channel.broadcast").len(), 1, "{tree}");
    for delivery in tree.spans_named("room.handle_out shout") {
        delivery.assert_root().assert_linked_to("channel.broadcast");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_messages_reach_the_other_nodes_or_the_one_they_are_for() {
    let _tracing = TestTracing::install();
    let cluster = InProcess::new("a");
    let a = tracewire::channel::PubSub::new(cluster.clone());
    let b = tracewire::channel::PubSub::new(cluster.node("b"));
    let c = tracewire::channel::PubSub::new(cluster.node("c"));
    let mut on_a = a.node_subscribe("presence");
    let mut on_b = b.node_subscribe("presence");
    let mut on_c = c.node_subscribe("presence");

    a.node_broadcast("presence", json!({"beat": 1})).unwrap();
    let got = on_b.recv().await.unwrap();
    assert_eq!((got.node(), got.topic()), ("a", "presence"));
    assert_eq!(got.payload(), &json!({"beat": 1}));
    assert_eq!(on_c.recv().await.unwrap().payload(), &json!({"beat": 1}));
    // In-process delivery is done when `node_broadcast` returns: the
    // sender never receives its own.
    assert!(on_a.try_recv().is_none());

    a.node_send("c", "presence", json!({"direct": true}))
        .unwrap();
    assert_eq!(
        on_c.recv().await.unwrap().payload(),
        &json!({"direct": true})
    );
    assert!(on_b.try_recv().is_none());

    // A node topic is not a channel topic.
    let mut other = b.node_subscribe("room:lobby");
    a.broadcast("room:lobby", "shout", json!({})).unwrap();
    assert!(other.try_recv().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_node_subscription_drops_and_counts_what_does_not_fit() {
    let tracing = TestTracing::install();
    let cluster = InProcess::new("a");
    let a = tracewire::channel::PubSub::new(cluster.clone());
    let b = tracewire::channel::PubSub::new(cluster.node("b"));
    let mut slow = b.node_subscribe("presence");

    // Nobody reads: 1024 fit, the next two are dropped and counted.
    for n in 0..1026 {
        a.node_broadcast("presence", json!({"n": n})).unwrap();
    }
    assert_eq!(tracing.limit_hits("pubsub_node_queue"), 2);
    for n in 0..1024 {
        assert_eq!(slow.try_recv().unwrap().payload(), &json!({"n": n}));
    }
    assert!(slow.try_recv().is_none());
    // Drained, it takes messages again.
    a.node_broadcast("presence", json!({"n": "again"})).unwrap();
    assert_eq!(slow.try_recv().unwrap().payload(), &json!({"n": "again"}));
}
