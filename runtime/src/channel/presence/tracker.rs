//! Presence across the nodes of a cluster, as Phoenix.Tracker does it:
//! each node owns its presences and sends numbered deltas of them, plus a
//! heartbeat every period; the others apply the deltas in order, ask for
//! the whole state when they find a gap, and remove a node's presences
//! when its heartbeats stop. The rules, and the bound on finding a node
//! down, are documented on [`Presence`](super::Presence#across-nodes).
//!
//! Messages travel as node messages on [`NODE_TOPIC`], through the
//! server's [`Adapter`](crate::channel::cluster::Adapter):
//!
//! ```text
//! {"type": "delta", "seq": 7, "joins": [{"topic", "key", "meta"}], "leaves": [{"topic", "key", "ref"}]}
//! {"type": "heartbeat", "seq": 7}
//! {"type": "state_request"}                                  (to one node)
//! {"type": "state", "seq": 7, "metas": [{"topic", "key", "meta"}]}   (to one node)
//! ```
//!
//! Everything from another node is checked: an entry that is not of that
//! shape is skipped, and a node can remove only its own presences.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Weak};
use std::time::Instant;

use opentelemetry::Context;
use opentelemetry::trace::{SpanKind, TraceContextExt as _};
use serde_json::{Value, json};

use super::handle::{Inner, Presence, Shared, set_presence_attributes};
use super::state::{Change, Meta};
use crate::channel::cluster::node_message::{NodeMessage, NodeSubscription};
use crate::channel::cluster::pubsub::PubSub;
use crate::outcome::Outcome;
use crate::span::{SpanGuard, SpanMeta};
use crate::value::bounded_str;

/// The node topic Presence's messages travel on.
pub(crate) const NODE_TOPIC: &str = "phx:presence";
/// Periods without a message after which a node is down.
pub(crate) const DOWN_AFTER_PERIODS: u32 = 3;

const APPLY_DELTA_SPAN: SpanMeta = SpanMeta {
    name: "presence.apply_delta",
    kind: SpanKind::Consumer,
    sample: None,
};
const APPLY_STATE_SPAN: SpanMeta = SpanMeta {
    name: "presence.apply_state",
    kind: SpanKind::Consumer,
    sample: None,
};
const NODE_DOWN_SPAN: SpanMeta = SpanMeta {
    name: "presence.node_down",
    kind: SpanKind::Internal,
    sample: None,
};
/// The other node a span is about.
const NODE: &str = "presence.node";
const JOINS: &str = "presence.joins";
const LEAVES: &str = "presence.leaves";

/// What this node has told the others, and knows of them.
#[derive(Default)]
pub(crate) struct Replication {
    /// The number of the last delta this node sent.
    seq: u64,
    peers: HashMap<Arc<str>, Peer>,
}

/// Another node, as this one knows it.
struct Peer {
    /// The number of its last delta applied here.
    seq: u64,
    /// Whether this node has had its whole state (else its deltas wait).
    synced: bool,
    last_seen: Instant,
    /// When its state was last asked for, so that it is asked once a
    /// period at most.
    asked: Option<Instant>,
}

impl Replication {
    /// Sends a delta to every other node (under the current span, which
    /// the receivers link to).
    pub(crate) fn send_delta(&mut self, pubsub: &PubSub, joins: &[Change], leaves: &[Change]) {
        self.seq += 1;
        let joins: Vec<Value> = joins.iter().map(encode_meta).collect();
        let leaves: Vec<Value> = leaves
            .iter()
            .map(|c| json!({ "topic": &*c.topic, "key": c.key, "ref": &*c.meta.phx_ref }))
            .collect();
        let delta = json!({ "type": "delta", "seq": self.seq, "joins": joins, "leaves": leaves });
        let _ = pubsub.node_broadcast(NODE_TOPIC, delta);
    }
}

fn encode_meta(change: &Change) -> Value {
    json!({ "topic": &*change.topic, "key": change.key, "meta": change.meta.value })
}

/// Reads a join (or a state's meta) sent by `node`.
fn decode_meta(node: &Arc<str>, entry: &Value) -> Option<Change> {
    let topic = entry.get("topic")?.as_str()?;
    let key = entry.get("key")?.as_str()?;
    let value = entry.get("meta")?;
    let phx_ref = value.as_object()?.get("phx_ref")?.as_str()?;
    Some(Change {
        topic: Arc::from(topic),
        key: key.to_owned(),
        meta: Meta {
            phx_ref: Arc::from(phx_ref),
            node: node.clone(),
            owner: 0,
            value: value.clone(),
        },
    })
}

/// Runs a node's side of the replication until `shutdown` resolves (the
/// server stops) or its Presence is gone.
pub(crate) async fn run(
    shared: Weak<Shared>,
    mut subscription: NodeSubscription,
    shutdown: impl Future<Output = ()>,
) {
    let Some(period) = shared.upgrade().map(|shared| shared.period) else {
        return;
    };
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            message = subscription.recv() => {
                let (Some(message), Some(shared)) = (message, shared.upgrade()) else {
                    return;
                };
                receive(&Presence::from_shared(shared), &message);
            }
            _ = ticks.tick() => {
                let Some(shared) = shared.upgrade() else { return };
                tick(&Presence::from_shared(shared));
            }
        }
    }
}

/// Every period: the heartbeat, and the nodes found down.
fn tick(presence: &Presence) {
    let shared = presence.shared();
    let mut state = presence.lock();
    let heartbeat = json!({ "type": "heartbeat", "seq": state.replication.seq });
    let _ = shared.pubsub.node_broadcast(NODE_TOPIC, heartbeat);
    let now = Instant::now();
    let down_after = shared.period * DOWN_AFTER_PERIODS;
    let down: Vec<Arc<str>> = state
        .replication
        .peers
        .iter()
        .filter(|(_, peer)| now.duration_since(peer.last_seen) > down_after)
        .map(|(node, _)| node.clone())
        .collect();
    for node in down {
        state.replication.peers.remove(&node);
        let removed = state.presences.remove_node(&node);
        let mut span = SpanGuard::start_with_parent(&NODE_DOWN_SPAN, Context::new());
        if span.is_recording() {
            span.record(NODE, Some(bounded_str(&node).into_owned().into()));
            span.record(LEAVES, Some(len_i64(removed.len()).into()));
        }
        span.in_scope(|| broadcast(presence, Vec::new(), removed));
        span.finish(Outcome::Unset);
    }
}

/// A message from another node.
fn receive(presence: &Presence, message: &NodeMessage) {
    let shared = presence.shared();
    let node: Arc<str> = Arc::from(message.node());
    let payload = message.payload();
    let seq = payload.get("seq").and_then(Value::as_u64);
    let mut state = presence.lock();
    let Inner {
        presences,
        replication,
    } = &mut *state;
    let now = Instant::now();
    let peer = replication.peers.entry(node.clone()).or_insert(Peer {
        seq: 0,
        synced: false,
        last_seen: now,
        asked: None,
    });
    peer.last_seen = now;
    match payload.get("type").and_then(Value::as_str) {
        // A heartbeat ahead of what this node has: deltas were lost.
        Some("heartbeat") if !peer.synced || seq != Some(peer.seq) => {
            ask_state(shared, peer, &node, now);
        }
        Some("delta") => {
            let Some(seq) = seq else { return };
            if peer.synced && seq == peer.seq + 1 {
                peer.seq = seq;
                let mut span = start_linked(&APPLY_DELTA_SPAN, message);
                let joins: Vec<Change> = list(payload, "joins")
                    .filter_map(|entry| decode_meta(&node, entry))
                    .filter(|change| presences.insert(change))
                    .collect();
                let leaves: Vec<Change> = list(payload, "leaves")
                    .filter_map(|entry| {
                        let topic = entry.get("topic")?.as_str()?;
                        let key = entry.get("key")?.as_str()?;
                        let phx_ref = entry.get("ref")?.as_str()?;
                        Some(presences.remove_ref(topic, key, phx_ref, &node))
                    })
                    .flatten()
                    .collect();
                if span.is_recording() {
                    span.record(NODE, Some(bounded_str(&node).into_owned().into()));
                    let changed: Vec<&Change> = joins.iter().chain(&leaves).collect();
                    if let [one] = changed[..] {
                        set_presence_attributes(&mut span, &one.topic, &one.key);
                    }
                    span.record(JOINS, Some(len_i64(joins.len()).into()));
                    span.record(LEAVES, Some(len_i64(leaves.len()).into()));
                }
                span.in_scope(|| broadcast(presence, joins, leaves));
                span.finish(Outcome::Unset);
            } else if !peer.synced || seq > peer.seq {
                // A delta lost on the way (or the node is new here): its
                // whole state replaces what this node has of it.
                ask_state(shared, peer, &node, now);
            }
        }
        Some("state_request") => {
            let metas: Vec<Value> = presences
                .node_metas(&shared.node)
                .iter()
                .map(encode_meta)
                .collect();
            let state = json!({ "type": "state", "seq": replication.seq, "metas": metas });
            let _ = shared.pubsub.node_send(&node, NODE_TOPIC, state);
        }
        Some("state") => {
            let Some(seq) = seq else { return };
            peer.seq = seq;
            peer.synced = true;
            peer.asked = None;
            let mut span = start_linked(&APPLY_STATE_SPAN, message);
            let old = presences.remove_node(&node);
            let new: Vec<Change> = list(payload, "metas")
                .filter_map(|entry| decode_meta(&node, entry))
                .filter(|change| presences.insert(change))
                .collect();
            let old_refs: HashSet<&str> = old.iter().map(|c| &*c.meta.phx_ref).collect();
            let new_refs: HashSet<&str> = new.iter().map(|c| &*c.meta.phx_ref).collect();
            let leaves: Vec<Change> = old
                .iter()
                .filter(|c| !new_refs.contains(&*c.meta.phx_ref))
                .cloned()
                .collect();
            let joins: Vec<Change> = new
                .iter()
                .filter(|c| !old_refs.contains(&*c.meta.phx_ref))
                .cloned()
                .collect();
            if span.is_recording() {
                span.record(NODE, Some(bounded_str(&node).into_owned().into()));
                span.record(JOINS, Some(len_i64(joins.len()).into()));
                span.record(LEAVES, Some(len_i64(leaves.len()).into()));
            }
            span.in_scope(|| broadcast(presence, joins, leaves));
            span.finish(Outcome::Unset);
        }
        _ => {}
    }
}

/// Asks `node` for its whole state, once a period at most.
fn ask_state(shared: &Shared, peer: &mut Peer, node: &str, now: Instant) {
    if peer
        .asked
        .is_some_and(|asked| now.duration_since(asked) < shared.period)
    {
        return;
    }
    peer.asked = Some(now);
    let _ = shared
        .pubsub
        .node_send(node, NODE_TOPIC, json!({ "type": "state_request" }));
}

/// A span for a message from another node: a new trace linked to the span
/// that sent it (context from another node is not trusted as a parent).
fn start_linked(meta: &SpanMeta, message: &NodeMessage) -> SpanGuard {
    match message.link() {
        Some(link) => SpanGuard::start_linked(
            meta,
            Context::new(),
            &Context::new().with_remote_span_context(link.clone()),
        ),
        None => SpanGuard::start_with_parent(meta, Context::new()),
    }
}

/// The entries of the array `field` of `payload` (none if it is not one).
fn list<'a>(payload: &'a Value, field: &str) -> impl Iterator<Item = &'a Value> {
    payload
        .get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// `presence_diff`s to this node's channels, one per topic.
fn broadcast(presence: &Presence, joins: Vec<Change>, leaves: Vec<Change>) {
    let mut topics: BTreeMap<Arc<str>, (Vec<Change>, Vec<Change>)> = BTreeMap::new();
    for join in joins {
        topics.entry(join.topic.clone()).or_default().0.push(join);
    }
    for leave in leaves {
        topics.entry(leave.topic.clone()).or_default().1.push(leave);
    }
    for (topic, (joins, leaves)) in topics {
        presence.broadcast_diff(&topic, &joins, &leaves);
    }
}

fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
