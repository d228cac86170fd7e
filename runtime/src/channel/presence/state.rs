//! Presence's data: every presence a node knows of, by topic and key, each
//! meta owned by one node (and, on its own node, one joined channel), and
//! the `presence_state` / `presence_diff` payloads built from it, in the
//! format the `phoenix` JavaScript client's `Presence` class reads:
//!
//! ```text
//! presence_state: {"alice": {"metas": [{"phx_ref": "…", "device": "phone"}, …]}, …}
//! presence_diff:  {"joins": {"alice": {"metas": [..]}}, "leaves": {"bob": {"metas": [..]}}}
//! ```
//!
//! No locking and no I/O here: [`Presence`](super::Presence) holds it under
//! its lock, and the replication sends and applies [`Change`]s.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Map, Value, json};

/// One meta: one connection's presence under a key.
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    /// Unique among every meta of every node.
    pub(crate) phx_ref: Arc<str>,
    /// The node that tracked it, which alone may remove it.
    pub(crate) node: Arc<str>,
    /// The joined channel that tracked it (on its own node; 0 on others).
    pub(crate) owner: u64,
    /// The user's meta with `phx_ref` in it: exactly what clients get.
    pub(crate) value: Value,
}

/// A presence joining or leaving, as a diff or a replication delta carries
/// it.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub(crate) topic: Arc<str>,
    pub(crate) key: String,
    pub(crate) meta: Meta,
}

/// Every presence known, by topic then key.
#[derive(Default)]
pub(crate) struct PresenceState {
    topics: HashMap<Arc<str>, BTreeMap<String, Vec<Meta>>>,
    /// The presences each local channel tracks, to remove when it stops.
    owned: HashMap<u64, Vec<(Arc<str>, String)>>,
}

impl PresenceState {
    /// Whether channel `owner` already tracks `key` on `topic`.
    pub(crate) fn is_tracked(&self, topic: &str, key: &str, owner: u64) -> bool {
        self.topics
            .get(topic)
            .and_then(|keys| keys.get(key))
            .is_some_and(|metas| metas.iter().any(|m| m.owner == owner && owner != 0))
    }

    /// Adds a meta; a meta whose `phx_ref` is already known is ignored
    /// (a delta seen twice). Returns whether it was added.
    pub(crate) fn insert(&mut self, change: &Change) -> bool {
        let metas = self
            .topics
            .entry(change.topic.clone())
            .or_default()
            .entry(change.key.clone())
            .or_default();
        if metas.iter().any(|m| m.phx_ref == change.meta.phx_ref) {
            return false;
        }
        metas.push(change.meta.clone());
        if change.meta.owner != 0 {
            self.owned
                .entry(change.meta.owner)
                .or_default()
                .push((change.topic.clone(), change.key.clone()));
        }
        true
    }

    /// Removes the metas `owner` tracks under `key` on `topic`.
    pub(crate) fn remove_owned(&mut self, topic: &str, key: &str, owner: u64) -> Vec<Change> {
        let removed = self.remove_where(topic, key, |m| m.owner == owner);
        if let Some(tracked) = self.owned.get_mut(&owner) {
            tracked.retain(|(t, k)| !(&**t == topic && k == key));
            if tracked.is_empty() {
                self.owned.remove(&owner);
            }
        }
        removed
    }

    /// Removes every meta channel `owner` tracks (it has stopped).
    pub(crate) fn remove_owner(&mut self, owner: u64) -> Vec<Change> {
        let Some(tracked) = self.owned.remove(&owner) else {
            return Vec::new();
        };
        let mut removed = Vec::new();
        for (topic, key) in tracked {
            removed.extend(self.remove_where(&topic, &key, |m| m.owner == owner));
        }
        removed
    }

    /// Removes the meta `phx_ref` of `key` on `topic` if `node` owns it (a
    /// remote node's leave: a node removes only its own).
    pub(crate) fn remove_ref(
        &mut self,
        topic: &str,
        key: &str,
        phx_ref: &str,
        node: &str,
    ) -> Vec<Change> {
        self.remove_where(topic, key, |m| &*m.phx_ref == phx_ref && &*m.node == node)
    }

    /// Removes every meta of `node` (it is down, or sent its whole state
    /// again).
    pub(crate) fn remove_node(&mut self, node: &str) -> Vec<Change> {
        let mut removed = Vec::new();
        self.topics.retain(|topic, keys| {
            keys.retain(|key, metas| {
                metas.retain(|meta| {
                    let gone = &*meta.node == node;
                    if gone {
                        removed.push(Change {
                            topic: topic.clone(),
                            key: key.clone(),
                            meta: meta.clone(),
                        });
                    }
                    !gone
                });
                !metas.is_empty()
            });
            !keys.is_empty()
        });
        removed
    }

    /// Every meta `node` owns, as changes that would add them.
    pub(crate) fn node_metas(&self, node: &str) -> Vec<Change> {
        let mut all = Vec::new();
        for (topic, keys) in &self.topics {
            for (key, metas) in keys {
                for meta in metas.iter().filter(|m| &*m.node == node) {
                    all.push(Change {
                        topic: topic.clone(),
                        key: key.clone(),
                        meta: meta.clone(),
                    });
                }
            }
        }
        all
    }

    fn remove_where(
        &mut self,
        topic: &str,
        key: &str,
        gone: impl Fn(&Meta) -> bool,
    ) -> Vec<Change> {
        let Some(keys) = self.topics.get_mut(topic) else {
            return Vec::new();
        };
        let topic_arc: Arc<str> = Arc::from(topic);
        let Some(metas) = keys.get_mut(key) else {
            return Vec::new();
        };
        let mut removed = Vec::new();
        metas.retain(|meta| {
            let is_gone = gone(meta);
            if is_gone {
                removed.push(Change {
                    topic: topic_arc.clone(),
                    key: key.to_owned(),
                    meta: meta.clone(),
                });
            }
            !is_gone
        });
        if metas.is_empty() {
            keys.remove(key);
        }
        if keys.is_empty() {
            self.topics.remove(topic);
        }
        removed
    }

    /// `presence_state` for `topic`: `{key: {"metas": [meta, ..]}, ..}`.
    pub(crate) fn list(&self, topic: &str) -> Value {
        let mut state = Map::new();
        if let Some(keys) = self.topics.get(topic) {
            for (key, metas) in keys {
                let metas: Vec<Value> = metas.iter().map(|m| m.value.clone()).collect();
                state.insert(key.clone(), json!({ "metas": metas }));
            }
        }
        Value::Object(state)
    }
}

/// `presence_diff` for one topic: `{"joins": {..}, "leaves": {..}}`, each
/// side in `presence_state`'s format.
pub(crate) fn diff<'a>(
    joins: impl IntoIterator<Item = &'a Change>,
    leaves: impl IntoIterator<Item = &'a Change>,
) -> Value {
    json!({ "joins": grouped(joins), "leaves": grouped(leaves) })
}

fn grouped<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Value {
    let mut by_key: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for change in changes {
        by_key
            .entry(&change.key)
            .or_default()
            .push(change.meta.value.clone());
    }
    let object = by_key
        .into_iter()
        .map(|(key, metas)| (key.to_owned(), json!({ "metas": metas })))
        .collect();
    Value::Object(object)
}

/// Changes grouped by topic, each topic's in order.
pub(crate) fn by_topic(changes: Vec<Change>) -> BTreeMap<Arc<str>, Vec<Change>> {
    let mut topics: BTreeMap<Arc<str>, Vec<Change>> = BTreeMap::new();
    for change in changes {
        topics.entry(change.topic.clone()).or_default().push(change);
    }
    topics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(topic: &str, key: &str, phx_ref: &str, node: &str, owner: u64) -> Change {
        Change {
            topic: Arc::from(topic),
            key: key.to_owned(),
            meta: Meta {
                phx_ref: Arc::from(phx_ref),
                node: Arc::from(node),
                owner,
                value: json!({ "phx_ref": phx_ref }),
            },
        }
    }

    #[test]
    fn one_meta_per_connection_under_a_key_in_the_phoenix_format() {
        let mut state = PresenceState::default();
        assert!(state.insert(&change("room:1", "alice", "a1", "n1", 1)));
        assert!(state.insert(&change("room:1", "alice", "a2", "n1", 2)));
        assert!(
            !state.insert(&change("room:1", "alice", "a2", "n1", 2)),
            "seen twice"
        );
        assert!(state.insert(&change("room:1", "bob", "b1", "n2", 0)));
        assert_eq!(
            state.list("room:1"),
            json!({
                "alice": { "metas": [{ "phx_ref": "a1" }, { "phx_ref": "a2" }] },
                "bob": { "metas": [{ "phx_ref": "b1" }] },
            })
        );
        assert!(state.is_tracked("room:1", "alice", 2));
        assert!(
            !state.is_tracked("room:1", "bob", 0),
            "remote metas have no owner"
        );

        let gone = state.remove_owner(1);
        assert_eq!(
            diff([], &gone),
            json!({ "joins": {}, "leaves": { "alice": { "metas": [{ "phx_ref": "a1" }] } } })
        );
        let gone = state.remove_node("n2");
        assert_eq!(gone.len(), 1);
        assert_eq!(
            state.list("room:1"),
            json!({ "alice": { "metas": [{ "phx_ref": "a2" }] } })
        );
        assert_eq!(state.remove_owned("room:1", "alice", 2).len(), 1);
        assert_eq!(state.list("room:1"), json!({}));
        assert!(state.topics.is_empty() && state.owned.is_empty());
    }
}
