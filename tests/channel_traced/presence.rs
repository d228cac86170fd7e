//! Presence on one node: `presence_state` and `presence_diff` as the
//! `phoenix` client reads them (one meta per connection, each with its own
//! `phx_ref`), leaves when a channel untracks, leaves and disconnects, and
//! the `presence.track` / `presence.untrack` spans.

use opentelemetry::trace::SpanKind;
use serde_json::{Value, json};
use tracewire::channel::ServerHandle;
use tracewire::testing::TestTracing;

use crate::channel_support::Client;

pub use crate::channel_support::presence_room::server;

async fn serve() -> ServerHandle {
    crate::channel_support::serve(server()).await
}

/// A client joined to a topic.
struct Joined {
    client: Client,
    join_ref: String,
    topic: &'static str,
}

impl Joined {
    /// The payload of the next `presence_diff`.
    async fn diff(&mut self) -> Value {
        self.client.event(self.topic, "presence_diff").await[4].clone()
    }

    /// Pushes `event`; returns the reply's payload.
    async fn call(&mut self, event: &str, payload: Value) -> Value {
        let reply = self
            .client
            .call(&self.join_ref, self.topic, event, payload)
            .await;
        reply[4].clone()
    }
}

/// Joins `topic` as `user` on `device`; returns the client and the
/// `presence_state` it was pushed.
async fn join(url: &str, topic: &'static str, user: &str, device: &str) -> (Joined, Value) {
    let mut client = Client::connect(url, &format!("user={user}")).await;
    let (join_ref, reply) = client.join(topic, json!({ "device": device })).await;
    assert_eq!(reply[4]["status"], "ok", "{reply}");
    let state = client.event(topic, "presence_state").await;
    let joined = Joined {
        client,
        join_ref,
        topic,
    };
    (joined, state[4].clone())
}

fn attr(span: &tracewire::testing::SpanView<'_>, key: &str) -> Option<String> {
    span.attr(key).map(|v| v.to_string())
}

fn metas(presences: &Value, key: &str) -> Vec<Value> {
    presences[key]["metas"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn phx_ref(meta: &Value) -> &str {
    meta["phx_ref"].as_str().expect("every meta has a phx_ref")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_state_and_diffs_in_the_phoenix_format() {
    let tracing = TestTracing::install();
    let server = serve().await;
    let url = server.url();
    let topic = "presence:lobby";

    let (mut alice, state) = join(&url, topic, "alice", "phone").await;
    let alice_meta = &metas(&state, "alice")[0];
    assert_eq!(
        state,
        json!({ "alice": { "metas": [{ "device": "phone", "phx_ref": phx_ref(alice_meta) }] } })
    );

    // Bob's state lists both; alice gets bob's join as a diff.
    let (mut bob, state) = join(&url, topic, "bob", "laptop").await;
    let bob_meta = metas(&state, "bob")[0].clone();
    assert_eq!(metas(&state, "alice"), vec![alice_meta.clone()]);
    assert_eq!(bob_meta["device"], "laptop");
    assert_eq!(
        alice.diff().await,
        json!({ "joins": { "bob": { "metas": [bob_meta.clone()] } }, "leaves": {} })
    );

    // A second connection of alice: one more meta under the same key, with
    // its own phx_ref.
    let (alice_tablet, state) = join(&url, topic, "alice", "tablet").await;
    let alice_metas = metas(&state, "alice");
    assert_eq!(alice_metas.len(), 2, "{state}");
    let tablet_meta = alice_metas
        .iter()
        .find(|m| m["device"] == "tablet")
        .unwrap()
        .clone();
    assert_ne!(phx_ref(&tablet_meta), phx_ref(alice_meta));
    for joined in [&mut alice, &mut bob] {
        assert_eq!(
            joined.diff().await,
            json!({ "joins": { "alice": { "metas": [tablet_meta.clone()] } }, "leaves": {} })
        );
    }

    // The tablet disconnects without leaving: its meta leaves.
    alice_tablet.client.close().await;
    for joined in [&mut alice, &mut bob] {
        assert_eq!(
            joined.diff().await,
            json!({ "joins": {}, "leaves": { "alice": { "metas": [tablet_meta.clone()] } } })
        );
    }

    // Bob untracks: alice sees him leave; the list says who is left.
    let untracked = bob.call("untrack", json!({})).await;
    assert_eq!(untracked, json!({ "status": "ok", "response": true }));
    assert_eq!(
        alice.diff().await,
        json!({ "joins": {}, "leaves": { "bob": { "metas": [bob_meta.clone()] } } })
    );
    let listed = alice.call("list", json!({})).await;
    assert_eq!(
        listed["response"],
        json!({ "alice": { "metas": [alice_meta.clone()] } })
    );
    assert_eq!(server.presence().list(topic), listed["response"]);
    alice.client.close().await;
    bob.client.close().await;
    server.shutdown().await;

    // What was traced: each track a child of its join, with the topic and
    // key (never the meta), and the diff's broadcast its child.
    let tree = tracing.tree();
    let tracks = tree.spans_named("presence.track");
    assert_eq!(tracks.len(), 3, "{tree}");
    for track in &tracks {
        track
            .assert_kind(SpanKind::Internal)
            .assert_parent("presence.join")
            .assert_attr("presence.topic", topic)
            .assert_status_unset();
        assert!(attr(track, "presence.key").is_some(), "{tree}");
        assert!(attr(track, "device").is_none(), "{tree}");
        track.children()[0]
            .assert_kind(SpanKind::Producer)
            .assert_attr("broadcast.event", "presence_diff");
    }
    let untracks = tree.spans_named("presence.untrack");
    let reasons: Vec<_> = untracks
        .iter()
        .map(|s| (attr(s, "presence.key"), attr(s, "presence.reason")))
        .collect();
    assert!(
        reasons.contains(&(Some("bob".into()), Some("untrack".into()))),
        "{tree}"
    );
    assert!(
        reasons.contains(&(Some("alice".into()), Some("channel_stopped".into()))),
        "{tree}"
    );
    for untrack in untracks {
        untrack
            .assert_kind(SpanKind::Internal)
            .assert_attr("presence.topic", topic);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracking_a_key_twice_or_a_meta_that_is_not_an_object_is_refused() {
    let tracing = TestTracing::install();
    let server = serve().await;
    let url = server.url();
    let (mut alice, _) = join(&url, "presence:twice", "alice", "phone").await;

    let twice = alice
        .call("track", json!({ "key": "alice", "meta": {} }))
        .await;
    assert_eq!(
        twice,
        json!({ "status": "error", "response": "this channel already tracks the key on its topic" })
    );
    let not_an_object = alice
        .call("track", json!({ "key": "other", "meta": "busy" }))
        .await;
    assert_eq!(not_an_object["status"], "error", "{not_an_object}");
    assert_eq!(
        server.presence().list("presence:twice")["alice"]["metas"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );

    // Joining the topic again replaces the channel: the old presence
    // leaves and the new one joins.
    let (_, reply) = alice
        .client
        .join("presence:twice", json!({ "device": "laptop" }))
        .await;
    assert_eq!(reply[4]["status"], "ok", "{reply}");
    let state = alice.client.event("presence:twice", "presence_state").await;
    assert_eq!(metas(&state[4], "alice").len(), 1, "{state}");
    assert_eq!(metas(&state[4], "alice")[0]["device"], "laptop", "{state}");
    alice.client.close().await;
    server.shutdown().await;

    let tree = tracing.tree();
    let tracks = tree.spans_named("presence.track");
    assert_eq!(tracks.len(), 4, "{tree}");
    let refused: Vec<_> = tracks
        .iter()
        .filter_map(|t| attr(t, "error.type"))
        .collect();
    assert_eq!(refused, ["already_tracked", "presence_meta"], "{tree}");
}
