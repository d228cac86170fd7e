//! Presence on two nodes through a real Redis: each node lists both
//! nodes' presences; when Redis is killed the nodes stop hearing from each
//! other and, within the documented bound, each drops the other's
//! presences (a `presence_diff` leave); when Redis is back they converge
//! again from each other's state.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;
use tracewire::channel::{ServerHandle, cluster::RedisAdapter};
use tracewire::testing::TestTracing;

use crate::PATIENCE;
use crate::channel_support::{self, Client, presence_room};
use crate::redis_server::RedisServer;

const PERIOD: Duration = Duration::from_millis(200);
const TOPIC: &str = "presence:lobby";

async fn node(redis: &RedisServer, name: &str) -> ServerHandle {
    let adapter = RedisAdapter::new(&redis.url())
        .unwrap()
        .node_name(name)
        .channel("tracewire-presence-test");
    let server = presence_room::server()
        .adapter(adapter)
        .presence_period(PERIOD);
    channel_support::serve(server).await
}

/// Waits (bounded) until `server` lists exactly `users` on the topic.
async fn listed(server: &ServerHandle, users: &[&str]) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let list = server.presence().list(TOPIC);
        let mut keys: Vec<&str> = list
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        if keys == users {
            return;
        }
        assert!(Instant::now() < deadline, "listed {list}, wanted {users:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn join(server: &ServerHandle, user: &str) -> Client {
    let mut client = Client::connect(&server.url(), &format!("user={user}")).await;
    let (_, reply) = client.join(TOPIC, json!({ "device": user })).await;
    assert_eq!(reply[4]["status"], "ok", "{reply}");
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_across_nodes_through_redis_drops_an_unreachable_node_and_converges_again() {
    let tracing = TestTracing::install();
    let mut redis = RedisServer::start();
    let a = node(&redis, "a").await;
    let b = node(&redis, "b").await;
    let mut alice = join(&a, "alice").await;
    let _bob = join(&b, "bob").await;
    listed(&a, &["alice", "bob"]).await;
    listed(&b, &["alice", "bob"]).await;

    // Redis killed: a hears nothing from b any more, finds it down after
    // three periods, and alice's client is told bob left.
    redis.kill();
    let killed = Instant::now();
    let leave = alice
        .recv_where(|f| f[3] == "presence_diff" && f[4]["leaves"].get("bob").is_some())
        .await;
    let took = killed.elapsed();
    eprintln!("b found down after {took:?} (bound {:?})", PERIOD * 4);
    assert_eq!(leave[4]["joins"], json!({}), "{leave}");
    listed(&a, &["alice"]).await;
    listed(&b, &["bob"]).await;

    // Redis back: heartbeats flow again, each asks the other for its
    // state, and both list both again; alice's client sees bob rejoin.
    redis.restart();
    listed(&a, &["alice", "bob"]).await;
    listed(&b, &["alice", "bob"]).await;
    alice
        .recv_where(|f| f[3] == "presence_diff" && f[4]["joins"].get("bob").is_some())
        .await;
    a.shutdown().await;
    b.shutdown().await;

    let tree = tracing.tree();
    assert!(!tree.spans_named("presence.node_down").is_empty(), "{tree}");
    assert!(
        !tree.spans_named("presence.apply_state").is_empty(),
        "{tree}"
    );
}
