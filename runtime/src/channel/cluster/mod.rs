//! More than one node: the seam between a node's
//! [`PubSub`](crate::channel::PubSub) and the other nodes of its cluster.
//!
//! - [`Adapter`]: what carries [`ClusterMessage`]s between nodes, and
//!   [`Inbound`], through which it hands other nodes' messages back;
//! - [`InProcess`]: nodes in one process (the default, a cluster of one);
//! - `RedisAdapter` (the `redis` feature): nodes through Redis
//!   PUBLISH/SUBSCRIBE;
//! - [`NodeMessage`]s: messages between nodes that no client sees, for
//!   code that coordinates them (Presence, the LongPoll relay).
//!
//! [`PubSub`](crate::channel::PubSub) itself is written here too (it owns
//! this node's topics and hands broadcasts to the adapter), and exported
//! from [`channel`](crate::channel), beside the `Socket` that broadcasts
//! through it. The guarantees across nodes are in
//! [the channel documentation](crate::channel#more-than-one-node).

mod adapter;
mod cluster_message;
mod in_process;
pub(crate) mod node_message;
pub(crate) mod pubsub;
#[cfg(feature = "redis")]
mod redis_adapter;

pub use adapter::{Adapter, Inbound, PublishError};
pub use cluster_message::{ClusterMessage, MAX_MESSAGE_SIZE, MAX_NAME_LENGTH, RejectReason};
pub use in_process::InProcess;
pub use node_message::{NodeMessage, NodeSubscription};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_adapter::{
    DEFAULT_PUBLISH_QUEUE, DEFAULT_REDIS_CHANNEL, RECONNECT_MAX, RECONNECT_MIN, RedisAdapter,
    RedisUrlError,
};
