//! The Redis [`Adapter`]: the nodes of a cluster publish their messages on
//! one Redis channel and each subscribes to it, as `phoenix_pubsub_redis`
//! does.
//!
//! Two connections per node, each with a task of its own:
//!
//! - the publisher drains the node's one ordered queue of messages,
//!   sending whatever has gathered as one pipeline of `PUBLISH`es (one round
//!   trip per batch, order kept), each inside its `publish {channel}`
//!   PRODUCER span;
//! - the subscriber hands every message on the channel to [`Inbound`],
//!   which drops the node's own (the name filter) and what is not a
//!   message (counted).
//!
//! When Redis goes away both reconnect with exponential backoff
//! ([`RECONNECT_MIN`] doubling to [`RECONNECT_MAX`]). Meanwhile local
//! delivery goes on; messages are not kept for later: each one published
//! while the publisher is down, or lost with the connection, is counted in
//! `tracewire.pubsub.unpublished` and its span ends with status Error.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt as _;
use opentelemetry::trace::SpanKind;
use tokio::sync::{mpsc, watch};

use super::adapter::{Adapter, Inbound, PublishError, unique_node_name};
use super::cluster_message::{ClusterMessage, MAX_MESSAGE_SIZE};
use crate::outcome::Outcome;
use crate::span::{SpanGuard, SpanMeta};

/// The Redis channel nodes share unless set: `tracewire`.
pub const DEFAULT_REDIS_CHANNEL: &str = "tracewire";
/// The bytes of messages a node holds while they wait for Redis, unless
/// set: 16 MiB.
pub const DEFAULT_PUBLISH_QUEUE: usize = 16 * 1024 * 1024;
/// The first wait before reconnecting: 50 ms.
pub const RECONNECT_MIN: Duration = Duration::from_millis(50);
/// The longest wait between reconnection attempts: 2 s.
pub const RECONNECT_MAX: Duration = Duration::from_secs(2);

/// What a queued message costs beyond its bytes (its span, the queue's
/// slot), so that many small messages are bounded too.
const ENTRY_OVERHEAD: usize = 256;
/// Messages sent in one pipeline at most.
const BATCH: usize = 256;
/// How long a connection attempt or a pipeline may take before the
/// connection is taken for lost.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

const MESSAGING_SYSTEM: &str = "messaging.system";
const DESTINATION: &str = "messaging.destination.name";
const OPERATION_NAME: &str = "messaging.operation.name";
const OPERATION_TYPE: &str = "messaging.operation.type";
const BODY_SIZE: &str = "messaging.message.body.size";

/// One node of a cluster whose nodes meet on a Redis channel (feature
/// `redis`).
///
/// Give it to [`Server::adapter`](crate::channel::Server::adapter); its tasks start
/// with the server's [`PubSub`](crate::channel::PubSub), inside the tokio runtime,
/// and stop when that PubSub is dropped. It connects lazily and reconnects
/// forever: a node starts, and keeps serving its own clients, while Redis
/// is down.
///
/// Whoever can publish on the channel can broadcast to this node's
/// clients (a well-formed message is delivered): keep Redis private to
/// the cluster (bind, ACLs). Only the trace context is never trusted.
///
/// # Panics
///
/// When its PubSub is built outside a tokio runtime: it spawns its
/// connections' tasks there.
///
/// # Examples
///
/// ```no_run
/// use tracewire::channel::{Assigns, ConnectError, ConnectInfo, ConnectParams, Server, SocketHandler, cluster::RedisAdapter};
///
/// # struct Anyone;
/// # impl SocketHandler for Anyone {
/// #     async fn connect(&self, _: &ConnectParams, _: &ConnectInfo) -> Result<Assigns, ConnectError> {
/// #         Ok(Assigns::new())
/// #     }
/// # }
/// # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let redis = RedisAdapter::new("redis://127.0.0.1:6379")?.node_name("web-1");
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:4000").await?;
/// let server = Server::new(Anyone).adapter(redis).serve(listener)?;
/// # drop(server); Ok(()) }
/// ```
pub struct RedisAdapter {
    client: redis::Client,
    node: Arc<str>,
    channel: Arc<str>,
    max_queue: usize,
    /// Set by [`Adapter::start`].
    running: std::sync::OnceLock<Running>,
}

/// What the tasks share with [`RedisAdapter::publish`].
struct Running {
    queue: mpsc::UnboundedSender<Outgoing>,
    state: Arc<State>,
    /// Dropped with the adapter: the subscriber stops.
    _stop: watch::Sender<()>,
}

struct State {
    /// Whether the publisher has a connection now.
    connected: AtomicBool,
    /// Bytes of messages queued, against `max_queue`.
    queued: AtomicUsize,
    meta: SpanMeta,
}

/// A message on its way to Redis, and its span.
struct Outgoing {
    bytes: Vec<u8>,
    span: SpanGuard,
}

impl fmt::Debug for RedisAdapter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisAdapter")
            .field("node", &self.node)
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// A Redis URL [`RedisAdapter::new`] cannot use.
#[derive(Debug)]
pub struct RedisUrlError(redis::RedisError);

impl fmt::Display for RedisUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a usable Redis URL: {}", self.0)
    }
}

impl std::error::Error for RedisUrlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl RedisAdapter {
    /// A node that will connect to `url` (`redis://host:port/db`, with
    /// `redis://user:password@…` for ACLs; no TLS), named uniquely
    /// (`node-{pid}-…`) unless [`node_name`](Self::node_name) is set.
    pub fn new(url: &str) -> Result<Self, RedisUrlError> {
        let client = redis::Client::open(url).map_err(RedisUrlError)?;
        Ok(RedisAdapter {
            client,
            node: Arc::from(unique_node_name()),
            channel: Arc::from(DEFAULT_REDIS_CHANNEL),
            max_queue: DEFAULT_PUBLISH_QUEUE,
            running: std::sync::OnceLock::new(),
        })
    }

    /// This node's name, unique among the nodes on the channel: a node
    /// ignores the messages that carry its own name.
    pub fn node_name(mut self, name: impl Into<String>) -> Self {
        self.node = Arc::from(name.into());
        self
    }

    /// The Redis channel the cluster meets on ([`DEFAULT_REDIS_CHANNEL`]
    /// unless set): one per application, like Phoenix's PubSub name, so
    /// that two applications can share a Redis.
    pub fn channel(mut self, channel: impl Into<String>) -> Self {
        self.channel = Arc::from(channel.into());
        self
    }

    /// The bytes of messages this node holds while they wait for Redis
    /// ([`DEFAULT_PUBLISH_QUEUE`] unless set); one published when they are
    /// full is refused ([`PublishError::QueueFull`]) and counted.
    pub fn max_queue(mut self, bytes: usize) -> Self {
        self.max_queue = bytes.max(1);
        self
    }
}

impl Adapter for RedisAdapter {
    fn node_name(&self) -> &str {
        &self.node
    }

    fn start(&self, inbound: Inbound) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            panic!("RedisAdapter: build the Server (or PubSub) inside a tokio runtime");
        };
        let (queue, rx) = mpsc::unbounded_channel();
        let (stop, stopped) = watch::channel(());
        // The span name holds the channel, fixed for the adapter's life:
        // one name per adapter.
        let name: &'static str = Box::leak(format!("publish {}", self.channel).into_boxed_str());
        let state = Arc::new(State {
            connected: AtomicBool::new(false),
            queued: AtomicUsize::new(0),
            meta: SpanMeta {
                name,
                kind: SpanKind::Producer,
                sample: None,
            },
        });
        let publisher = Publisher {
            client: self.client.clone(),
            channel: self.channel.clone(),
            state: state.clone(),
            queue: rx,
        };
        runtime.spawn(publisher.run());
        let subscriber = Subscriber {
            client: self.client.clone(),
            channel: self.channel.clone(),
            inbound,
            stopped,
        };
        runtime.spawn(subscriber.run());
        let _ = self.running.set(Running {
            queue,
            state,
            _stop: stop,
        });
    }

    fn publish(&self, message: &ClusterMessage) -> Result<(), PublishError> {
        let Some(running) = self.running.get() else {
            return Err(PublishError::Disconnected);
        };
        let state = &running.state;
        let mut span = SpanGuard::start(&state.meta);
        let bytes = message.encode();
        if span.is_recording() {
            span.record(MESSAGING_SYSTEM, Some("redis".into()));
            span.record(DESTINATION, Some(self.channel.to_string().into()));
            span.record(OPERATION_NAME, Some("publish".into()));
            span.record(OPERATION_TYPE, Some("send".into()));
            span.record(
                BODY_SIZE,
                Some(i64::try_from(bytes.len()).unwrap_or(i64::MAX).into()),
            );
        }
        let refused = if bytes.len() > MAX_MESSAGE_SIZE {
            Some(PublishError::TooLarge)
        } else if !state.connected.load(Ordering::Acquire) {
            Some(PublishError::Disconnected)
        } else if !reserve(&state.queued, bytes.len() + ENTRY_OVERHEAD, self.max_queue) {
            Some(PublishError::QueueFull)
        } else {
            None
        };
        if let Some(error) = refused {
            span.finish(Outcome::error(error.as_str(), &error));
            return Err(error);
        }
        let len = bytes.len() + ENTRY_OVERHEAD;
        if let Err(mpsc::error::SendError(outgoing)) = running.queue.send(Outgoing { bytes, span })
        {
            state.queued.fetch_sub(len, Ordering::AcqRel);
            let error = PublishError::Disconnected;
            outgoing.span.finish(Outcome::error(error.as_str(), &error));
            return Err(error);
        }
        Ok(())
    }
}

/// Takes `bytes` of the queue's budget, if it has them.
fn reserve(queued: &AtomicUsize, bytes: usize, max: usize) -> bool {
    queued
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
            let after = now.checked_add(bytes)?;
            (after <= max || now == 0).then_some(after)
        })
        .is_ok()
}

/// Exponential backoff between connection attempts.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Self {
        Backoff(RECONNECT_MIN)
    }

    async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(RECONNECT_MAX);
    }
}

struct Publisher {
    client: redis::Client,
    channel: Arc<str>,
    state: Arc<State>,
    queue: mpsc::UnboundedReceiver<Outgoing>,
}

impl Publisher {
    async fn run(mut self) {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let mut backoff = Backoff::new();
        loop {
            if let Ok(mut connection) = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await
            {
                backoff = Backoff::new();
                self.state.connected.store(true, Ordering::Release);
                let open = self.serve(&mut connection).await;
                self.state.connected.store(false, Ordering::Release);
                if !open {
                    return;
                }
            }
            // Messages queued before the connection was seen lost are not
            // kept for later (at most once): they fail now.
            if !self.fail_queued() {
                return;
            }
            backoff.wait().await;
            if !self.fail_queued() {
                return;
            }
        }
    }

    /// Publishes until the connection fails (`true`) or the adapter is
    /// dropped (`false`).
    async fn serve(&mut self, connection: &mut redis::aio::MultiplexedConnection) -> bool {
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            if self.queue.recv_many(&mut batch, BATCH).await == 0 {
                return false;
            }
            let mut pipe = redis::pipe();
            for outgoing in &batch {
                pipe.cmd("PUBLISH")
                    .arg(&*self.channel)
                    .arg(&outgoing.bytes)
                    .ignore();
            }
            let sent = pipe.query_async::<()>(connection).await;
            let ok = sent.is_ok();
            for outgoing in batch.drain(..) {
                self.state
                    .queued
                    .fetch_sub(outgoing.bytes.len() + ENTRY_OVERHEAD, Ordering::AcqRel);
                if ok {
                    outgoing.span.finish(Outcome::Unset);
                } else {
                    fail(outgoing, PublishError::Disconnected);
                }
            }
            if !ok {
                return true;
            }
        }
    }

    /// Fails whatever is queued; `false` once the adapter is gone.
    fn fail_queued(&mut self) -> bool {
        loop {
            match self.queue.try_recv() {
                Ok(outgoing) => {
                    self.state
                        .queued
                        .fetch_sub(outgoing.bytes.len() + ENTRY_OVERHEAD, Ordering::AcqRel);
                    fail(outgoing, PublishError::Disconnected);
                }
                Err(mpsc::error::TryRecvError::Empty) => return true,
                Err(mpsc::error::TryRecvError::Disconnected) => return false,
            }
        }
    }
}

fn fail(outgoing: Outgoing, error: PublishError) {
    crate::metrics::pubsub_unpublished(error.as_str());
    outgoing.span.finish(Outcome::error(error.as_str(), &error));
}

struct Subscriber {
    client: redis::Client,
    channel: Arc<str>,
    inbound: Inbound,
    stopped: watch::Receiver<()>,
}

impl Subscriber {
    async fn run(mut self) {
        let mut backoff = Backoff::new();
        loop {
            let connected = tokio::select! {
                _ = self.stopped.changed() => return,
                connected = tokio::time::timeout(RESPONSE_TIMEOUT, subscribe(&self.client, &self.channel)) => connected,
            };
            if let Ok(Ok(pubsub)) = connected {
                backoff = Backoff::new();
                let mut messages = pubsub.into_on_message();
                loop {
                    tokio::select! {
                        _ = self.stopped.changed() => return,
                        message = messages.next() => match message {
                            Some(message) => self.inbound.receive_bytes(message.get_payload_bytes()),
                            None => break,
                        },
                    }
                }
            }
            tokio::select! {
                _ = self.stopped.changed() => return,
                () = backoff.wait() => {}
            }
        }
    }
}

async fn subscribe(
    client: &redis::Client,
    channel: &str,
) -> redis::RedisResult<redis::aio::PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_budget_refuses_what_does_not_fit_but_always_takes_one() {
        let queued = AtomicUsize::new(0);
        assert!(reserve(&queued, 600, 1000));
        assert!(reserve(&queued, 400, 1000));
        assert!(!reserve(&queued, 1, 1000));
        queued.fetch_sub(1000, Ordering::AcqRel);
        // An empty queue takes a message larger than the whole budget.
        assert!(reserve(&queued, 5000, 1000));
        assert!(!reserve(&queued, 1, 1000));
    }

    #[tokio::test(start_paused = true)]
    async fn reconnecting_backs_off_exponentially_up_to_the_maximum() {
        let mut backoff = Backoff::new();
        let mut waits = Vec::new();
        for _ in 0..8 {
            let started = tokio::time::Instant::now();
            backoff.wait().await;
            waits.push(started.elapsed());
        }
        let ms = |n| Duration::from_millis(n);
        assert_eq!(
            waits,
            [
                ms(50),
                ms(100),
                ms(200),
                ms(400),
                ms(800),
                ms(1600),
                ms(2000),
                ms(2000)
            ]
        );
    }
}
