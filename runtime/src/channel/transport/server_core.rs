//! What every connection of a server shares: its routes, its PubSub, the
//! limits and policies it was built with, and the shutdown signal.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};

use super::limits::{DEFAULT_LONGPOLL_SESSION_TIMEOUT, DEFAULT_LONGPOLL_WINDOW, MessageRate};
use super::origin::OriginCheck;
use crate::carrier::TrustPolicy;
use crate::channel::cluster::pubsub::PubSub;
use crate::channel::handler::route::Route;
use crate::channel::presence::Presence;

/// Limits and policies, fixed when the server is built.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) trust_policy: TrustPolicy,
    pub(crate) max_frame_size: usize,
    pub(crate) outbound_buffer: usize,
    pub(crate) idle_timeout: Duration,
    pub(crate) path: String,
    pub(crate) origin: OriginCheck,
    pub(crate) handshake_timeout: Duration,
    pub(crate) max_connections: usize,
    pub(crate) max_channels: usize,
    pub(crate) max_topic_length: usize,
    pub(crate) max_event_length: usize,
    pub(crate) message_rate: Option<MessageRate>,
    pub(crate) longpoll: LongPollConfig,
    /// Presence's heartbeat period across nodes.
    pub(crate) presence_period: Duration,
}

impl Config {
    /// Bytes of client messages a connection holds while its channels
    /// catch up: four frames at the limit.
    pub(crate) fn inbound_budget(&self) -> usize {
        self.max_frame_size.saturating_mul(4).min(u32::MAX as usize)
    }
}

/// The LongPoll settings of a server.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LongPollConfig {
    pub(crate) window: Duration,
    pub(crate) session_timeout: Duration,
}

impl Default for LongPollConfig {
    fn default() -> Self {
        LongPollConfig {
            window: DEFAULT_LONGPOLL_WINDOW,
            session_timeout: DEFAULT_LONGPOLL_SESSION_TIMEOUT,
        }
    }
}

/// What every connection of a server shares.
pub(crate) struct Core {
    /// This server's id among the nodes of a cluster.
    pub(crate) node: Arc<str>,
    pub(crate) routes: Vec<Box<dyn Route>>,
    pub(crate) pubsub: PubSub,
    pub(crate) presence: Presence,
    pub(crate) config: Config,
    /// Becomes `true` when the server shuts down.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// Live connections, for a graceful shutdown to wait on.
    pub(crate) connections: watch::Sender<usize>,
    /// One permit per connection the server may still accept: taken before
    /// `connect` runs, so the limit holds however many upgrades race.
    pub(crate) connection_slots: Arc<Semaphore>,
}

impl Core {
    /// The first route whose pattern matches `topic`, in declaration order.
    pub(crate) fn route(&self, topic: &str) -> Option<&dyn Route> {
        self.routes
            .iter()
            .find(|route| route.matches(topic))
            .map(|route| &**route)
    }
}

/// Resolves when the server shuts down; never, when it cannot (a router
/// served without a [`ServerHandle`](crate::channel::ServerHandle)).
pub(crate) async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let stopped = shutdown.wait_for(|stop| *stop).await.is_ok();
    if !stopped {
        std::future::pending::<()>().await;
    }
}
