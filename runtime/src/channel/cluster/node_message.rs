//! Messages between nodes that no client sees: what
//! [`PubSub::node_subscribe`](crate::channel::PubSub::node_subscribe) receives.
//!
//! Code that coordinates the nodes of a cluster (Presence's heartbeats and
//! deltas, a LongPoll request routed to the node holding its session) sends
//! them with [`PubSub::node_broadcast`](crate::channel::PubSub::node_broadcast) or
//! [`PubSub::node_send`](crate::channel::PubSub::node_send), through the same
//! [`Adapter`](super::Adapter) and in the same ordered stream as the node's
//! broadcasts.

use std::sync::Arc;

use opentelemetry::trace::SpanContext;
use serde_json::Value;
use tokio::sync::mpsc;

/// How many node messages a subscription holds before it drops them.
pub(crate) const NODE_QUEUE: usize = 1024;

/// A message from another node, on a node topic.
#[derive(Clone, Debug)]
pub struct NodeMessage {
    node: Arc<str>,
    topic: Arc<str>,
    payload: Arc<Value>,
    link: Option<SpanContext>,
}

impl NodeMessage {
    pub(crate) fn new(
        node: Arc<str>,
        topic: String,
        payload: Value,
        link: Option<SpanContext>,
    ) -> Self {
        NodeMessage {
            node,
            topic: Arc::from(topic),
            payload: Arc::new(payload),
            link,
        }
    }

    /// The node that sent it.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// The node topic it was sent on.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// What the sender passed.
    pub fn payload(&self) -> &Value {
        &self.payload
    }

    /// The span that sent it, validated as untrusted input
    /// ([`TrustPolicy::Link`](crate::carrier::TrustPolicy::Link)): a span
    /// handling it should carry an OpenTelemetry link to this one, not
    /// continue its trace.
    pub fn link(&self) -> Option<&SpanContext> {
        self.link.as_ref()
    }
}

/// A subscription to a node topic, from
/// [`PubSub::node_subscribe`](crate::channel::PubSub::node_subscribe). Dropping it
/// unsubscribes.
#[derive(Debug)]
pub struct NodeSubscription {
    messages: mpsc::Receiver<NodeMessage>,
}

impl NodeSubscription {
    pub(crate) fn new(messages: mpsc::Receiver<NodeMessage>) -> Self {
        NodeSubscription { messages }
    }

    /// The next message, in the order each node sent them; `None` once the
    /// node's [`PubSub`](crate::channel::PubSub) is gone.
    pub async fn recv(&mut self) -> Option<NodeMessage> {
        self.messages.recv().await
    }

    /// The next message if one is waiting.
    pub fn try_recv(&mut self) -> Option<NodeMessage> {
        self.messages.try_recv().ok()
    }
}
