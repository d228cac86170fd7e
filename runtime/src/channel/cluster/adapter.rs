//! The seam between a node's [`PubSub`](crate::channel::PubSub) and the
//! other nodes of a cluster: the [`Adapter`] trait, and the [`Inbound`]
//! handle through which it hands other nodes' messages back.
//!
//! As in `phoenix_pubsub`, the split is:
//!
//! - [`PubSub`](crate::channel::PubSub) owns this node's topics and
//!   subscribers, and delivers to them (local delivery never waits for the
//!   network);
//! - an [`Adapter`] moves [`ClusterMessage`]s between nodes: [`InProcess`](super::InProcess)
//!   (the default, nodes in one process, like Phoenix's PG2 on one BEAM),
//!   and, with the `redis` feature, `RedisAdapter` (one Redis channel per
//!   namespace, like `phoenix_pubsub_redis`). An adapter sends each
//!   message to every node, in the order it was given them; each node
//!   drops its own messages and those addressed to another node
//!   ([`Inbound::receive`] does), so a broker that echoes a node's messages
//!   back is fine.
//!
//! Messages are of two kinds:
//!
//! - a *broadcast*: topic, event, JSON payload, the sender's subscriber id
//!   (for `broadcast_from`) and the `channel.broadcast` span's W3C context;
//!   the receiving node delivers it to its subscribers of the topic, whose
//!   `handle_out` spans *link* to that context (context from the broker is
//!   untrusted, [`TrustPolicy::Link`](crate::carrier::TrustPolicy::Link));
//! - a *node message*, for code that coordinates nodes rather than clients
//!   (Presence heartbeats and deltas, routing a LongPoll request to the node
//!   holding its session): a topic of its own namespace and a JSON payload,
//!   sent to every other node ([`PubSub::node_broadcast`](crate::channel::PubSub::node_broadcast))
//!   or to one ([`PubSub::node_send`](crate::channel::PubSub::node_send)), received
//!   through [`PubSub::node_subscribe`](crate::channel::PubSub::node_subscribe) as
//!   [`NodeMessage`](super::NodeMessage)s, never by clients.
//!
//! # Guarantees
//!
//! Across nodes delivery is *at most once*, as in Phoenix: a message the
//! broker never took (it was down, the adapter's queue was full) is counted
//! in `tracewire.pubsub.unpublished` and lost. A node receives each
//! message it was sent once, and messages from one node in the order that
//! node published them: per publisher, per topic order is kept.

use std::fmt;
use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};

use super::cluster_message::ClusterMessage;

/// Moves [`ClusterMessage`]s between the nodes of a cluster.
///
/// [`PubSub`](crate::channel::PubSub) calls [`start`](Self::start) once, when it is
/// built on the adapter, then [`publish`](Self::publish) for each message
/// other nodes should see. An adapter implements nothing else: filtering,
/// decoding, tracing and delivery on the receiving side are
/// [`Inbound`]'s.
///
/// # Examples
///
/// Two nodes in one process, each a [`Server`](crate::channel::Server) of its own:
///
/// ```
/// use tracewire::channel::{PubSub, cluster::InProcess};
///
/// let a = InProcess::new("a");
/// let b = a.node("b"); // the same cluster
/// let node_a = PubSub::new(a);
/// let node_b = PubSub::new(b);
/// assert_eq!(node_a.node_name(), "a");
/// assert_eq!(node_b.node_name(), "b");
/// ```
pub trait Adapter: Send + Sync + 'static {
    /// This node's name, unique in the cluster.
    fn node_name(&self) -> &str;

    /// Called once, before any [`publish`](Self::publish): where this
    /// node's messages from other nodes go. May spawn tasks (a tokio
    /// runtime is running).
    fn start(&self, inbound: Inbound);

    /// Sends `message` to the other nodes ([`ClusterMessage::to`] names the one
    /// it is for, if any).
    ///
    /// Must not wait: a broadcast is never held up by the network. Must
    /// keep the order of calls (one ordered stream per node). A message
    /// that cannot be taken is refused with the reason; the caller counts
    /// it.
    fn publish(&self, message: &ClusterMessage) -> Result<(), PublishError>;

    /// Whether any other node may be listening; when not, broadcasts skip
    /// building messages. `true` unless an adapter knows better.
    fn has_peers(&self) -> bool {
        true
    }
}

/// Why an [`Adapter`] did not take a message; counted in
/// `tracewire.pubsub.unpublished` under `reason` = [`as_str`](Self::as_str).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// The adapter's queue of messages waiting for the broker is full.
    QueueFull,
    /// The broker is unreachable.
    Disconnected,
    /// The encoded message is over [`MAX_MESSAGE_SIZE`](super::MAX_MESSAGE_SIZE): no node would
    /// read it.
    TooLarge,
    /// The broker refused it.
    Refused,
}

impl PublishError {
    /// The `reason` attribute: `queue_full`, `disconnected`, `too_large`,
    /// `refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            PublishError::QueueFull => "queue_full",
            PublishError::Disconnected => "disconnected",
            PublishError::TooLarge => "too_large",
            PublishError::Refused => "refused",
        }
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            PublishError::QueueFull => "the adapter's publish queue is full",
            PublishError::Disconnected => "the broker is unreachable",
            PublishError::TooLarge => "the message is over the size limit",
            PublishError::Refused => "the broker refused the message",
        };
        f.write_str(text)
    }
}

impl std::error::Error for PublishError {}

/// Where an [`Adapter`] hands the messages it receives: the node's
/// [`PubSub`](crate::channel::PubSub). Cheap to clone; does not keep the
/// PubSub alive.
#[derive(Clone)]
pub struct Inbound {
    pub(crate) node: Weak<dyn ReceivingNode>,
}

/// The side of a node that takes other nodes' messages: its PubSub, which
/// filters, decodes and delivers them. A trait, so that the adapter seam
/// needs nothing of PubSub but this.
pub(crate) trait ReceivingNode: Send + Sync {
    /// A message from another node (see [`Inbound::receive`]).
    fn receive(&self, message: ClusterMessage);
}

impl fmt::Debug for Inbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inbound")
            .field("alive", &self.is_alive())
            .finish()
    }
}

impl Inbound {
    /// Delivers a message from another node: a broadcast to this node's
    /// subscribers of its topic, a node message to its node subscribers.
    /// A message from this node itself, or addressed to another node, is
    /// dropped. Never waits.
    pub fn receive(&self, message: ClusterMessage) {
        if let Some(node) = self.node.upgrade() {
            node.receive(message);
        }
    }

    /// Decodes bytes from the broker and [`receive`](Self::receive)s them;
    /// what is not a message is dropped and counted in
    /// `tracewire.pubsub.rejected`.
    pub fn receive_bytes(&self, bytes: &[u8]) {
        match ClusterMessage::decode(bytes) {
            Ok(message) => self.receive(message),
            Err(reason) => crate::metrics::pubsub_rejected(reason.as_str()),
        }
    }

    /// Whether the node's PubSub still exists; an adapter may stop once it
    /// does not.
    pub fn is_alive(&self) -> bool {
        self.node.strong_count() > 0
    }
}

/// `node-{pid}-{n}`: unique among the nodes of one machine, which is what a
/// default name needs (a real cluster names its nodes).
pub(crate) fn unique_node_name() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "node-{}-{:x}-{}",
        std::process::id(),
        started & 0xff_ffff,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
