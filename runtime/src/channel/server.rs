//! The [`Server`] builder, which puts a server together from its parts
//! (the routes to its channels, its PubSub and Presence, the transports'
//! axum [`Router`]), and the [`ServerHandle`] of a running server.

use std::io;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::cluster::Adapter;
use super::cluster::pubsub::PubSub;
use super::handler::route::{ChannelRoute, Route, TopicPattern};
use super::handler::{Channel, SocketHandler};
use super::presence::{DEFAULT_PRESENCE_PERIOD, Presence};
use super::transport::limits::{
    DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CHANNELS, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_LENGTH, DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_TOPIC_LENGTH,
    DEFAULT_OUTBOUND_BUFFER, MessageRate,
};
use super::transport::server_core::{Config, Core, LongPollConfig, stopped};
use super::transport::{OriginCheck, listen, routes};
use crate::carrier::TrustPolicy;

/// A Phoenix Channels endpoint (Phoenix's `UserSocket` and its `channel`
/// routes), served over WebSocket at `{path}/websocket`.
///
/// See the [module documentation](super) for the protocol, the spans and
/// the limits.
///
/// # Examples
///
/// ```no_run
/// use tracewire::channel::{
///     Assigns, Channel, ConnectError, ConnectInfo, ConnectParams, JoinError, Payload, Reply,
///     Server, Socket, SocketHandler,
/// };
///
/// struct UserSocket;
///
/// impl SocketHandler for UserSocket {
///     async fn connect(&self, params: &ConnectParams, _: &ConnectInfo) -> Result<Assigns, ConnectError> {
///         match params.get("token").map(String::as_str) {
///             Some("secret") => {
///                 let mut assigns = Assigns::new();
///                 assigns.insert("user_id".into(), 42.into());
///                 Ok(assigns)
///             }
///             _ => Err(ConnectError::new("invalid token")),
///         }
///     }
///
///     fn id(&self, assigns: &Assigns) -> Option<String> {
///         Some(format!("user_socket:{}", assigns.get("user_id")?))
///     }
/// }
///
/// struct RoomChannel;
///
/// impl Channel for RoomChannel {
///     const NAME: &'static str = "room";
///
///     async fn join(_topic: &str, _params: Payload, _socket: &mut Socket) -> Result<(Self, Payload), JoinError> {
///         Ok((RoomChannel, serde_json::json!({})))
///     }
///
///     async fn handle_in(&mut self, event: &str, payload: Payload, socket: &mut Socket) -> Option<Reply> {
///         match event {
///             "message:new" => {
///                 let _ = socket.broadcast("message:new", payload);
///                 None
///             }
///             other => Some(Reply::unknown_event(other)),
///         }
///     }
/// }
///
/// # #[tokio::main] async fn main() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:4000").await?;
/// // ws://127.0.0.1:4000/socket/websocket?vsn=2.0.0&token=secret
/// let server = Server::new(UserSocket)
///     .channel::<RoomChannel>("room:*")
///     .serve(listener)?;
/// println!("listening on {}", server.url());
/// # let stop_signal = std::future::ready(()); // e.g. tokio::signal::ctrl_c()
/// stop_signal.await;
/// // Every channel's `terminate` runs, every client gets close code 1001.
/// server.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Server<S> {
    handler: S,
    routes: Vec<Box<dyn Route>>,
    pubsub: PubSub,
    config: Config,
    /// Routes served beside the socket ([`Server::merge`]).
    beside: Router,
}

impl<S: SocketHandler> Server<S> {
    /// A server that authenticates connections with `handler`, with no
    /// channels yet, at path `/socket`.
    pub fn new(handler: S) -> Self {
        let pubsub = PubSub::default();
        Server {
            handler,
            routes: Vec::new(),
            pubsub,
            config: Config {
                trust_policy: TrustPolicy::default(),
                max_frame_size: DEFAULT_MAX_FRAME_SIZE,
                outbound_buffer: DEFAULT_OUTBOUND_BUFFER,
                idle_timeout: DEFAULT_IDLE_TIMEOUT,
                path: "/socket".to_owned(),
                origin: OriginCheck::default(),
                handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
                max_connections: DEFAULT_MAX_CONNECTIONS,
                max_channels: DEFAULT_MAX_CHANNELS,
                max_topic_length: DEFAULT_MAX_TOPIC_LENGTH,
                max_event_length: DEFAULT_MAX_EVENT_LENGTH,
                message_rate: None,
                longpoll: LongPollConfig::default(),
                presence_period: DEFAULT_PRESENCE_PERIOD,
            },
            beside: Router::new(),
        }
    }

    /// Routes topics matching `pattern` to channel `C`: `"room:*"` matches
    /// every topic starting with `room:`, anything else matches exactly.
    /// The first matching route wins, as in Phoenix.
    ///
    /// # Panics
    ///
    /// If `*` appears anywhere but at the end of `pattern`.
    pub fn channel<C: Channel>(mut self, pattern: &str) -> Self {
        self.routes.push(Box::new(ChannelRoute::<C> {
            pattern: TopicPattern::parse(pattern),
            channel: PhantomData,
        }));
        self
    }

    /// What trace context from clients becomes: the `traceparent` header of
    /// the upgrade request (for `socket.connect`) and the `trace_context`
    /// object in join params and event payloads. [`TrustPolicy::Link`]
    /// unless set.
    pub fn trust_policy(mut self, policy: TrustPolicy) -> Self {
        self.config.trust_policy = policy;
        self
    }

    /// The largest frame a client may send, in bytes
    /// ([`DEFAULT_MAX_FRAME_SIZE`] unless set). A larger one closes the
    /// connection with code 1009 and a reason: it is not read into memory.
    pub fn max_frame_size(mut self, bytes: usize) -> Self {
        self.config.max_frame_size = bytes.max(1);
        self
    }

    /// Bytes of frames a connection may have waiting to be written
    /// ([`DEFAULT_OUTBOUND_BUFFER`] unless set, at most 4 GiB). A connection
    /// that falls this far behind is closed with code 1013 and a reason;
    /// see the [module documentation](super#backpressure).
    pub fn outbound_buffer(mut self, bytes: usize) -> Self {
        self.config.outbound_buffer = bytes.clamp(1, u32::MAX as usize);
        self
    }

    /// How long a connection may stay silent (no frame at all, heartbeats
    /// included) before it is closed ([`DEFAULT_IDLE_TIMEOUT`] unless set).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.idle_timeout = timeout;
        self
    }

    /// The socket path (`/socket` unless set); clients connect to
    /// `{path}/websocket`, where the `phoenix` client appends `/websocket`.
    pub fn path(mut self, path: &str) -> Self {
        self.config.path = path.trim_end_matches('/').to_owned();
        self
    }

    /// Which web pages may open a socket ([`OriginCheck::same_host`] unless
    /// set): a browser's upgrade from another origin is refused with HTTP
    /// 403. An upgrade with no `Origin` header (a client outside a browser)
    /// is always allowed. See [`OriginCheck`].
    pub fn check_origin(mut self, check: OriginCheck) -> Self {
        self.config.origin = check;
        self
    }

    /// How long a client has to send its whole upgrade request, and any
    /// later request head on a kept-alive connection
    /// ([`DEFAULT_HANDSHAKE_TIMEOUT`] unless set). A connection that takes
    /// longer is closed without a response, so half-written requests hold
    /// no file descriptor for long. Applies to [`serve`](Self::serve); a
    /// [`router`](Self::router) served by other means gets its server's
    /// own timeouts.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.config.handshake_timeout = timeout;
        self
    }

    /// How many WebSocket connections may be open at once
    /// ([`DEFAULT_MAX_CONNECTIONS`] unless set). An upgrade beyond it is
    /// refused with HTTP 503 before `connect` runs, and its `socket.connect`
    /// span ends with status Error and `error.type = "connection_limit"`.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.config.max_connections = connections;
        self
    }

    /// How many channels one socket may have joined, or be joining, at once
    /// ([`DEFAULT_MAX_CHANNELS`] unless set, Phoenix's 100). A join beyond
    /// it is answered `phx_reply` `error`
    /// `{"reason": "too many channels", "details": ..}`; joining a topic
    /// again replaces its channel and counts once.
    pub fn max_channels(mut self, channels: usize) -> Self {
        self.config.max_channels = channels;
        self
    }

    /// The longest topic a client may name, in bytes
    /// ([`DEFAULT_MAX_TOPIC_LENGTH`] unless set). A message naming a longer
    /// one is answered on the `phoenix` topic (the reply does not repeat
    /// the topic): `phx_reply` `error` `{"reason": "topic too long", "details": ..}`.
    pub fn max_topic_length(mut self, bytes: usize) -> Self {
        self.config.max_topic_length = bytes;
        self
    }

    /// The longest event name a client may send, in bytes
    /// ([`DEFAULT_MAX_EVENT_LENGTH`] unless set). A longer one is answered
    /// `phx_reply` `error` `{"reason": "event name too long", "details": ..}`
    /// without being handled or repeated.
    pub fn max_event_length(mut self, bytes: usize) -> Self {
        self.config.max_event_length = bytes;
        self
    }

    /// Limits each socket to `per_second` messages a second on average,
    /// with bursts of up to `burst` (no limit unless set). A message beyond
    /// it is answered `phx_reply` `error`
    /// `{"reason": "rate limit exceeded", "details": ..}` without being
    /// handled; heartbeats are never limited.
    pub fn max_message_rate(mut self, per_second: u32, burst: u32) -> Self {
        self.config.message_rate = Some(MessageRate {
            per_second: per_second.max(1),
            burst: burst.max(1),
        });
        self
    }

    /// How long a LongPoll client's poll waits for frames before it is
    /// answered `204` ([`DEFAULT_LONGPOLL_WINDOW`](super::transport::DEFAULT_LONGPOLL_WINDOW), Phoenix's 10 s, unless
    /// set).
    pub fn longpoll_window(mut self, window: Duration) -> Self {
        self.config.longpoll.window = window;
        self
    }

    /// How long a LongPoll session lives without a request from its
    /// client ([`DEFAULT_LONGPOLL_SESSION_TIMEOUT`](super::transport::DEFAULT_LONGPOLL_SESSION_TIMEOUT), 20 s, unless set;
    /// keep it above the [window](Self::longpoll_window), which a waiting
    /// poll spends without a request). A session that times out is closed
    /// like an idle WebSocket (its channels' `terminate` runs, counted as
    /// `idle_timeout`), and its client's next poll is answered `410`.
    pub fn longpoll_session_timeout(mut self, timeout: Duration) -> Self {
        self.config.longpoll.session_timeout = timeout;
        self
    }

    /// How often this node tells the others of a cluster that it is up,
    /// and of the presences they may have missed
    /// ([`DEFAULT_PRESENCE_PERIOD`], Phoenix's 1.5 s, unless set). A node
    /// not heard from for three periods is down: its presences leave on
    /// every other node within four periods of its last message. See
    /// [`Presence`](super::presence::Presence#across-nodes).
    pub fn presence_period(mut self, period: Duration) -> Self {
        self.config.presence_period = period.max(Duration::from_millis(1));
        self
    }

    /// Serves `routes` beside the socket, on the same address: a page that
    /// connects to it, say. Their paths must not include the socket's
    /// (`{path}/websocket`).
    ///
    /// # Panics
    ///
    /// When the server starts ([`serve`](Self::serve) or
    /// [`router`](Self::router)), if one of `routes` overlaps the socket's.
    ///
    /// ```
    /// use axum::response::Html;
    /// use axum::routing::get;
    /// use tracewire::channel::{Assigns, ConnectError, ConnectInfo, ConnectParams, Server, SocketHandler};
    ///
    /// struct Anyone;
    /// impl SocketHandler for Anyone {
    ///     async fn connect(&self, _: &ConnectParams, _: &ConnectInfo) -> Result<Assigns, ConnectError> {
    ///         Ok(Assigns::new())
    ///     }
    /// }
    ///
    /// let page = axum::Router::new().route("/", get(|| async { Html("<h1>chat</h1>") }));
    /// let server = Server::new(Anyone).merge(page); // `/` and `/socket/websocket`
    /// # drop(server);
    /// ```
    pub fn merge(mut self, routes: Router) -> Self {
        self.beside = self.beside.merge(routes);
        self
    }

    /// Makes this server one node of the cluster `adapter` connects it to
    /// (see [`Adapter`]): broadcasts reach channels joined
    /// on every node. A cluster of one ([`InProcess::single`](super::cluster::InProcess::single))
    /// unless set. Call it before [`pubsub`](Self::pubsub), whose PubSub
    /// it replaces.
    ///
    /// ```
    /// use tracewire::channel::{Assigns, ConnectError, ConnectInfo, ConnectParams, Server, SocketHandler, cluster::InProcess};
    ///
    /// # struct Anyone;
    /// # impl SocketHandler for Anyone {
    /// #     async fn connect(&self, _: &ConnectParams, _: &ConnectInfo) -> Result<Assigns, ConnectError> {
    /// #         Ok(Assigns::new())
    /// #     }
    /// # }
    /// let cluster = InProcess::new("a");
    /// let a = Server::new(Anyone).adapter(cluster.clone());
    /// let b = Server::new(Anyone).adapter(cluster.node("b"));
    /// assert_eq!(b.pubsub().node_name(), "b");
    /// # drop(a);
    /// ```
    pub fn adapter(mut self, adapter: impl Adapter) -> Self {
        self.pubsub = PubSub::new(adapter);
        self
    }

    /// The server's topics, to broadcast from outside any channel.
    pub fn pubsub(&self) -> PubSub {
        self.pubsub.clone()
    }

    /// The axum router serving `{path}/websocket`, to merge into an
    /// application's own router. Serve it with
    /// `into_make_service_with_connect_info::<SocketAddr>()` for
    /// [`ConnectInfo::peer`](super::ConnectInfo::peer) to be set. Connections of a router served this
    /// way end when their clients leave; [`serve`](Self::serve) adds a
    /// graceful shutdown.
    pub fn router(self) -> Router {
        self.build().router
    }

    /// Serves on `listener` in a background task (a tokio runtime must be
    /// running). The returned handle has the bound address and shuts the
    /// server down, gracefully, when asked or when dropped.
    pub fn serve(self, listener: TcpListener) -> io::Result<ServerHandle> {
        let local_addr = listener.local_addr()?;
        let path = self.config.path.clone();
        let pubsub = self.pubsub.clone();
        let handshake_timeout = self.config.handshake_timeout;
        let Built {
            router,
            presence,
            shutdown,
            connections,
        } = self.build();
        let stop = shutdown.subscribe();
        let connections = connections.subscribe();
        let serve = listen::serve(listener, router, handshake_timeout, stop);
        Ok(ServerHandle {
            local_addr,
            path,
            pubsub,
            presence,
            shutdown,
            connections,
            serve: Some(tokio::spawn(serve)),
        })
    }

    fn build(self) -> Built {
        let (shutdown, shutdown_rx) = watch::channel(false);
        let connections = watch::Sender::new(0);
        let connection_slots = Arc::new(Semaphore::new(
            self.config.max_connections.min(Semaphore::MAX_PERMITS),
        ));
        let presence = Presence::new(self.pubsub.clone(), self.config.presence_period);
        let mut stop = shutdown_rx.clone();
        presence.start_tracker(async move { stopped(&mut stop).await });
        let core = Arc::new(Core {
            node: Arc::from(self.pubsub.node_name()),
            routes: self.routes,
            pubsub: self.pubsub,
            presence: presence.clone(),
            config: self.config,
            shutdown: shutdown_rx,
            connections: connections.clone(),
            connection_slots,
        });
        let router = routes::router(self.handler, core).merge(self.beside);
        Built {
            router,
            presence,
            shutdown,
            connections,
        }
    }
}

/// A server ready to serve: its router and the controls its handle keeps.
struct Built {
    router: Router,
    presence: Presence,
    /// Dropped without a send (by [`Server::router`]), it means "never".
    shutdown: watch::Sender<bool>,
    connections: watch::Sender<usize>,
}

impl<S> std::fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("routes", &self.routes.len())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A running server, from [`Server::serve`].
///
/// Dropping it shuts the server down without waiting; call
/// [`shutdown`](Self::shutdown) to wait until every connection has closed.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    path: String,
    pubsub: PubSub,
    presence: Presence,
    shutdown: watch::Sender<bool>,
    connections: watch::Receiver<usize>,
    serve: Option<JoinHandle<io::Result<()>>>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The WebSocket URL clients connect to, with `vsn=2.0.0`:
    /// `ws://127.0.0.1:4000/socket/websocket?vsn=2.0.0`.
    pub fn url(&self) -> String {
        format!("ws://{}{}/websocket?vsn=2.0.0", self.local_addr, self.path)
    }

    /// The server's topics.
    pub fn pubsub(&self) -> &PubSub {
        &self.pubsub
    }

    /// The server's [`Presence`].
    pub fn presence(&self) -> &Presence {
        &self.presence
    }

    /// How many WebSocket connections are open now.
    pub fn connection_count(&self) -> usize {
        *self.connections.borrow()
    }

    /// Stops accepting connections, stops every channel (`terminate` with
    /// [`LeaveReason::Shutdown`](super::LeaveReason::Shutdown)), closes every
    /// connection with code 1001, and waits until they are all closed.
    pub async fn shutdown(mut self) {
        self.shutdown.send_replace(true);
        if let Some(serve) = self.serve.take() {
            let _ = serve.await;
        }
        let _ = self.connections.wait_for(|n| *n == 0).await;
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
    }
}
