//! The in-process [`Adapter`]: nodes that share one process, the default.
//!
//! A [`PubSub`](crate::channel::PubSub) built without an adapter gets an
//! [`InProcess`] cluster of one node: broadcasts reach this node's
//! subscribers only, as before adapters existed. [`InProcess::node`] adds
//! nodes to the same cluster, so that two [`Server`](crate::channel::Server)s in one
//! process behave as two nodes (what Phoenix's PG2 adapter does on one BEAM):
//! tests of cluster behaviour need no broker.

use std::fmt;
use std::sync::{Arc, RwLock};

use super::adapter::{Adapter, Inbound, PublishError};
use super::cluster_message::ClusterMessage;

/// Nodes in one process, each [`PubSub`](crate::channel::PubSub) a node.
///
/// Messages are handed to the other nodes' [`Inbound`] synchronously, on
/// the publishing thread: delivery is in order, and, as everywhere,
/// never waits for a subscriber.
///
/// # Examples
///
/// ```
/// use tracewire::channel::{PubSub, cluster::InProcess};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let cluster = InProcess::new("a");
/// let a = PubSub::new(cluster.clone());
/// let b = PubSub::new(cluster.node("b"));
/// let c = PubSub::new(cluster.node("c"));
///
/// let mut heartbeats = c.node_subscribe("presence");
/// b.node_broadcast("presence", serde_json::json!({"beat": 1})).unwrap();
/// let message = heartbeats.recv().await.unwrap();
/// assert_eq!((message.node(), message.payload()["beat"].as_u64()), ("b", Some(1)));
/// # drop(a); }
/// ```
#[derive(Clone)]
pub struct InProcess {
    name: Arc<str>,
    nodes: Arc<RwLock<Vec<Node>>>,
}

/// A node of the cluster: its name and where its messages go.
type Node = (Arc<str>, Inbound);

impl fmt::Debug for InProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcess")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl InProcess {
    /// A new cluster whose first node is `name`.
    pub fn new(name: impl Into<String>) -> Self {
        InProcess {
            name: Arc::from(name.into()),
            nodes: Arc::default(),
        }
    }

    /// A cluster of one node with a name unique to this process run:
    /// what a [`PubSub`](crate::channel::PubSub) gets by default.
    pub fn single() -> Self {
        InProcess::new(super::adapter::unique_node_name())
    }

    /// Another node, `name`, of the same cluster.
    pub fn node(&self, name: impl Into<String>) -> Self {
        InProcess {
            name: Arc::from(name.into()),
            nodes: self.nodes.clone(),
        }
    }
}

impl Adapter for InProcess {
    fn node_name(&self) -> &str {
        &self.name
    }

    fn start(&self, inbound: Inbound) {
        let mut nodes = self.nodes.write().unwrap_or_else(|e| e.into_inner());
        nodes.retain(|(_, inbound)| inbound.is_alive());
        nodes.push((self.name.clone(), inbound));
    }

    fn publish(&self, message: &ClusterMessage) -> Result<(), PublishError> {
        let nodes = self.nodes.read().unwrap_or_else(|e| e.into_inner());
        for (name, inbound) in nodes.iter() {
            let wanted = message.to().is_none_or(|to| to == &**name);
            if name != &self.name && wanted {
                inbound.receive(message.clone());
            }
        }
        Ok(())
    }

    fn has_peers(&self) -> bool {
        let nodes = self.nodes.read().unwrap_or_else(|e| e.into_inner());
        nodes.iter().any(|(name, _)| name != &self.name)
    }
}
