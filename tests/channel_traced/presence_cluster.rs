//! Presence across two nodes in one process, joined by an adapter: each
//! node lists both nodes' presences, the other node's deltas are applied
//! (traced, linked to the track that sent them), a node that loses a delta
//! catches up from the owner's whole state, and a node whose link is cut
//! without any untrack ("killed") has its presences removed within the
//! documented bound. Then the official client's `Presence` on two nodes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry::trace::SpanKind;
use serde_json::{Value, json};
use tracewire::channel::{
    ServerHandle,
    cluster::{Adapter, ClusterMessage, InProcess, Inbound, PublishError},
};
use tracewire::testing::TestTracing;

use crate::channel_support::{self, Client, RECV_TIMEOUT};

/// Nodes in one process whose links can be cut, as when a node is killed
/// or partitioned away: it neither sends nor receives, and untracks
/// nothing.
#[derive(Clone, Default)]
struct Cluster {
    nodes: Arc<Mutex<Vec<Member>>>,
    /// Drops the next delta sent, to lose one on the way.
    drop_next_delta: Arc<AtomicBool>,
}

/// A node of the cluster: its name, where its messages go, and whether
/// its link is cut.
type Member = (String, Inbound, Arc<AtomicBool>);

struct Link {
    name: String,
    cluster: Cluster,
    cut: Arc<AtomicBool>,
}

impl Cluster {
    fn link(&self, name: &str) -> (Link, Arc<AtomicBool>) {
        let cut = Arc::new(AtomicBool::new(false));
        let link = Link {
            name: name.to_owned(),
            cluster: self.clone(),
            cut: cut.clone(),
        };
        (link, cut)
    }
}

impl Adapter for Link {
    fn node_name(&self) -> &str {
        &self.name
    }

    fn start(&self, inbound: Inbound) {
        let mut nodes = self.cluster.nodes.lock().unwrap();
        nodes.push((self.name.clone(), inbound, self.cut.clone()));
    }

    fn publish(&self, message: &ClusterMessage) -> Result<(), PublishError> {
        if self.cut.load(Ordering::SeqCst) {
            return Err(PublishError::Disconnected);
        }
        let encoded = message.encode();
        if String::from_utf8_lossy(&encoded).contains(r#""type":"delta""#)
            && self.cluster.drop_next_delta.swap(false, Ordering::SeqCst)
        {
            return Ok(());
        }
        let nodes = self.cluster.nodes.lock().unwrap();
        for (name, inbound, cut) in nodes.iter() {
            let wanted = message.to().is_none_or(|to| to == name);
            if *name != self.name && wanted && !cut.load(Ordering::SeqCst) {
                inbound.receive_bytes(&encoded);
            }
        }
        Ok(())
    }
}

const PERIOD: Duration = Duration::from_millis(200);
const TOPIC: &str = "presence:lobby";

async fn node(adapter: impl Adapter) -> ServerHandle {
    node_with_period(adapter, PERIOD).await
}

async fn node_with_period(adapter: impl Adapter, period: Duration) -> ServerHandle {
    let server = crate::presence::server()
        .adapter(adapter)
        .presence_period(period);
    channel_support::serve(server).await
}

async fn join(server: &ServerHandle, user: &str) -> Client {
    let mut client = Client::connect(&server.url(), &format!("user={user}")).await;
    let (_, reply) = client.join(TOPIC, json!({ "device": user })).await;
    assert_eq!(reply[4]["status"], "ok", "{reply}");
    client
}

/// Waits (bounded) until `server` lists exactly `users` on the topic.
async fn wait_listed(server: &ServerHandle, users: &[&str]) {
    let deadline = Instant::now() + RECV_TIMEOUT;
    loop {
        let listed = server.presence().list(TOPIC);
        let mut keys: Vec<&str> = listed
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        if keys == users {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "listed {listed}, wanted {users:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The keys joining and leaving in the next `presence_diff` of `client`.
async fn next_diff(client: &mut Client) -> (Vec<String>, Vec<String>) {
    let diff = client.event(TOPIC, "presence_diff").await;
    let keys = |side: &str| -> Vec<String> {
        diff[4][side].as_object().unwrap().keys().cloned().collect()
    };
    (keys("joins"), keys("leaves"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_list_each_others_presences_and_drop_a_killed_node() {
    let tracing = TestTracing::install();
    let cluster = Cluster::default();
    let (link_a, _) = cluster.link("a");
    let (link_b, cut_b) = cluster.link("b");
    let a = node(link_a).await;
    let b = node(link_b).await;

    let mut alice = join(&a, "alice").await;
    // Bob's node learns of alice from a's deltas or its state; bob's
    // presence_state lists both once it has.
    wait_listed(&b, &["alice"]).await;
    let mut bob = join(&b, "bob").await;
    let state = bob.event(TOPIC, "presence_state").await;
    assert_eq!(
        state[4].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["alice", "bob"],
        "{state}"
    );
    // Alice, on the other node, gets bob's join as a diff.
    let (joins, _) = loop {
        let diff = next_diff(&mut alice).await;
        if diff.0.contains(&"bob".to_owned()) {
            break diff;
        }
    };
    assert_eq!(joins, ["bob"]);
    wait_listed(&a, &["alice", "bob"]).await;

    // A delta lost on the way: carol's join on b never reaches a as a
    // delta; a sees the gap (the next heartbeat) and takes b's state.
    cluster.drop_next_delta.store(true, Ordering::SeqCst);
    let _carol = join(&b, "carol").await;
    wait_listed(&a, &["alice", "bob", "carol"]).await;

    // b is killed: its link is cut, nothing is untracked. Within three
    // periods without a message plus one tick, a drops bob and carol.
    let killed = Instant::now();
    cut_b.store(true, Ordering::SeqCst);
    let leaves = loop {
        let (_, leaves) = next_diff(&mut alice).await;
        if !leaves.is_empty() {
            break leaves;
        }
    };
    let took = killed.elapsed();
    assert_eq!(leaves, ["bob", "carol"]);
    wait_listed(&a, &["alice"]).await;
    let bound = PERIOD * 4;
    eprintln!("node down found after {took:?} (bound {bound:?})");
    // Down means three periods since b was last heard from, and b's last
    // heartbeat can precede the cut by up to one period.
    assert!(
        took >= PERIOD * 2,
        "declared down after {took:?}: too early"
    );
    // Generous slack for a loaded machine; the figure is printed above.
    assert!(took < bound + Duration::from_secs(2), "took {took:?}");
    // b, cut off, finds a down on its own clock, up to a period after a
    // found b down: wait (boundedly) for both before shutting down.
    for _ in 0..500 {
        let downs = tracing
            .spans()
            .iter()
            .filter(|s| s.name == "presence.node_down")
            .count();
        if downs >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(bob);
    a.shutdown().await;
    b.shutdown().await;

    let tree = tracing.tree();
    let delta = tree
        .spans_named("presence.apply_delta")
        .into_iter()
        .find(|s| s.attr("presence.key").map(|v| v.to_string()) == Some("bob".into()))
        .expect("a applied bob's join");
    delta
        .assert_kind(SpanKind::Consumer)
        .assert_attr("presence.node", "b")
        .assert_attr("presence.topic", TOPIC)
        .assert_linked_to("presence.track");
    assert!(
        !tree.spans_named("presence.apply_state").is_empty(),
        "the lost delta was made up by a state: {tree}"
    );
    // Each node finds the other down: a drops b's two, b (cut off) a's one.
    let downs = tree.spans_named("presence.node_down");
    let down = |node: &str| {
        downs
            .iter()
            .find(|s| s.attr("presence.node").map(|v| v.to_string()) == Some(node.into()))
            .unwrap_or_else(|| panic!("{node} found down: {tree}"))
    };
    down("b").assert_attr("presence.leaves", 2_i64);
    down("a").assert_attr("presence.leaves", 1_i64);
}

/// The official client's `Presence` on two nodes: alice connected to one,
/// bob to the other, and each lists both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phoenix_clients_presence_on_two_nodes() {
    let Some(script) = crate::js::client_script("presence_client.js") else {
        return;
    };
    let _tracing = TestTracing::install();
    let cluster = InProcess::new("js-a");
    let a = node(cluster.clone()).await;
    let b = node(cluster.node("js-b")).await;
    let urls = vec![
        format!("ws://{}/socket", a.local_addr()),
        format!("ws://{}/socket", b.local_addr()),
    ];
    let (seen, stderr) = crate::node::json_lines(script, urls, "the presence client").await;
    a.shutdown().await;
    b.shutdown().await;
    assert_eq!(seen, js_expected(), "stderr:\n{stderr}");
}

/// What `presence_client.js` sees, wherever alice and bob are connected.
fn js_expected() -> Vec<Value> {
    let both = json!([
        { "key": "alice", "devices": ["phone"] },
        { "key": "bob", "devices": ["laptop"] },
    ]);
    vec![
        json!({ "what": "sync", "who": "alice", "presences": both }),
        json!({ "what": "sync", "who": "bob", "presences": both }),
        json!({ "what": "sync", "who": "alice", "presences": [{ "key": "alice", "devices": ["phone"] }] }),
    ]
}

/// Presence messages from a node that sends nonsense, or tries to remove
/// another node's presences, change nothing; the node keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_messages_that_make_no_sense_are_ignored() {
    let _tracing = TestTracing::install();
    let cluster = Cluster::default();
    let (link_a, _) = cluster.link("a");
    // A period long enough that mallory, silent, is not found down before
    // the end.
    let a = node_with_period(link_a, Duration::from_secs(60)).await;
    let mut alice = join(&a, "alice").await;
    let state = alice.event(TOPIC, "presence_state").await;
    let alice_ref = state[4]["alice"]["metas"][0]["phx_ref"].clone();

    let from_mallory = |payload: serde_json::Value| {
        let message = json!({
            "v": 1, "node": "mallory", "to": null, "kind": "node",
            "topic": "phx:presence", "payload": payload,
        });
        let nodes = cluster.nodes.lock().unwrap();
        nodes[0].1.receive_bytes(message.to_string().as_bytes());
    };
    // Its whole state first, so that its deltas apply.
    from_mallory(json!({ "type": "state", "seq": 1, "metas": [
        { "topic": TOPIC, "key": "mallory", "meta": { "phx_ref": "m1" } },
        { "topic": 5, "key": [], "meta": "no" },
        { "topic": TOPIC, "key": "nobody", "meta": { "no_ref": true } },
    ] }));
    wait_listed(&a, &["alice", "mallory"]).await;
    for nonsense in [
        json!({ "type": "delta", "seq": "two" }),
        json!({ "type": "delta", "seq": 2, "joins": "all", "leaves": [1, null] }),
        // A leave of alice, whom a tracks, not mallory.
        json!({ "type": "delta", "seq": 3, "leaves": [{ "topic": TOPIC, "key": "alice", "ref": alice_ref }] }),
        json!({ "type": "heartbeat", "seq": -1 }),
        json!({ "type": "no such type" }),
        json!("not even an object"),
    ] {
        from_mallory(nonsense);
    }
    // Still both, and a still serves: a new client gets the same list.
    let mut later = join(&a, "carol").await;
    let state = later.event(TOPIC, "presence_state").await;
    let mut keys: Vec<&String> = state[4].as_object().unwrap().keys().collect();
    keys.sort_unstable();
    assert_eq!(keys, ["alice", "carol", "mallory"], "{state}");
    a.shutdown().await;
}
