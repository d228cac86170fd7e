#![doc = include_str!("../../../docs/guides/cluster.md")]

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
