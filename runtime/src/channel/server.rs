//! The endpoint: the [`Server`] builder, its axum [`Router`], the
//! `socket.connect` span around each connection's authentication, and the
//! [`ServerHandle`] of a running server.

use std::io;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanKind, TraceContextExt as _};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::connection::{self, Accepted};
use super::handler::{Channel, ConnectInfo, ConnectParams, SocketHandler};
use super::limits::{
    DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_CHANNELS, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_EVENT_LENGTH, DEFAULT_MAX_TOPIC_LENGTH, Limit, MessageRate,
};
use super::listen;
use super::longpoll::{self, LongPollConfig, Sessions};
use super::longpoll_relay;
use super::origin::{OriginCheck, Refusal};
use super::presence::{DEFAULT_PRESENCE_PERIOD, Presence};
use super::pubsub::PubSub;
use super::route::{ChannelRoute, Route, TopicPattern};
use super::server_core::{Config, Core};
use crate::carrier::{HeaderCarrier, TrustPolicy};
use crate::outcome::Outcome;
use crate::panic::catch_panic;
use crate::span::{SpanGuard, SpanMeta};
use crate::value::bounded_str;

/// The span around each connection's [`SocketHandler::connect`].
const CONNECT_SPAN: SpanMeta = SpanMeta {
    name: "socket.connect",
    kind: SpanKind::Server,
    sample: None,
};
const TRANSPORT: &str = "socket.transport";
const USER_AGENT: &str = "socket.user_agent";
const AUTHENTICATED: &str = "socket.authenticated";
const SOCKET_ID: &str = "socket.id";

/// Bytes tungstenite reads from a connection at a time. Its read buffer is
/// allocated (and zeroed) whole for every connection and kept while it
/// lives, so it is most of what an idle connection costs: tungstenite's
/// default, 128 KiB, made an idle connection cost about 150 KiB. A larger
/// frame grows the buffer to its size while it is read; only many small
/// frames sent back to back take more reads.
const READ_BUFFER_SIZE: usize = 2 * 1024;
/// Frames are gathered up to this many bytes before they are written (the
/// writer also flushes whenever its queue is empty). The buffer keeps the
/// capacity it reaches, so a small one keeps a connection that once had a
/// burst of frames small too.
const WRITE_BUFFER_SIZE: usize = 1024;

/// The default [`Server::max_frame_size`]: 1 MiB.
pub const DEFAULT_MAX_FRAME_SIZE: usize = 1024 * 1024;
/// The default [`Server::outbound_buffer`]: 8 MiB.
pub const DEFAULT_OUTBOUND_BUFFER: usize = 8 * 1024 * 1024;
/// The default [`Server::idle_timeout`], Phoenix's 60 seconds.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

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
    /// answered `204` ([`DEFAULT_LONGPOLL_WINDOW`](super::DEFAULT_LONGPOLL_WINDOW), Phoenix's 10 s, unless
    /// set).
    pub fn longpoll_window(mut self, window: Duration) -> Self {
        self.config.longpoll.window = window;
        self
    }

    /// How long a LongPoll session lives without a request from its
    /// client ([`DEFAULT_LONGPOLL_SESSION_TIMEOUT`](super::DEFAULT_LONGPOLL_SESSION_TIMEOUT), 20 s, unless set;
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
    /// [`Presence`](super::Presence#across-nodes).
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
    /// (see [`Adapter`](super::Adapter)): broadcasts reach channels joined
    /// on every node. A cluster of one ([`InProcess::single`](super::InProcess::single))
    /// unless set. Call it before [`pubsub`](Self::pubsub), whose PubSub
    /// it replaces.
    ///
    /// ```
    /// use tracewire::channel::{Assigns, ConnectError, ConnectInfo, ConnectParams, InProcess, Server, SocketHandler};
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
    pub fn adapter(mut self, adapter: impl super::Adapter) -> Self {
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
    /// [`ConnectInfo::peer`] to be set. Connections of a router served this
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
        presence.start_tracker(shutdown_rx.clone());
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
        let route = format!("{}/websocket", core.config.path);
        let longpoll_route = format!("{}/longpoll", core.config.path);
        let sessions = Arc::new(Sessions::default());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let subscription = core.pubsub.node_subscribe(longpoll_relay::NODE_TOPIC);
            runtime.spawn(longpoll_relay::run(
                Arc::downgrade(&core),
                Arc::downgrade(&sessions),
                subscription,
                core.shutdown.clone(),
            ));
        }
        let state = Arc::new(Endpoint {
            handler: self.handler,
            core,
            sessions,
        });
        let router = Router::new()
            .route(&route, get(upgrade::<S>))
            .route(
                &longpoll_route,
                get(longpoll::poll::<S>)
                    .post(longpoll::publish::<S>)
                    .options(longpoll::preflight::<S>),
            )
            .with_state(state)
            .merge(self.beside);
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

/// The router's state.
pub(super) struct Endpoint<S> {
    pub(super) handler: S,
    pub(super) core: Arc<Core>,
    /// The LongPoll sessions this server holds.
    pub(super) sessions: Arc<Sessions>,
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

/// `GET {path}/websocket`: `socket.connect`, then the upgrade.
async fn upgrade<S: SocketHandler>(
    State(endpoint): State<Arc<Endpoint<S>>>,
    upgrade: WebSocketUpgrade,
    Query(params): Query<ConnectParams>,
    headers: HeaderMap,
    extensions: Extensions,
) -> Response {
    let core = endpoint.core.clone();
    let accepted = match authenticate(&endpoint, &params, &headers, &extensions, WEBSOCKET).await {
        Ok(accepted) => accepted,
        Err(refused) => return (refused.status, refused.body).into_response(),
    };
    upgrade
        .read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        // What waits to be written is bounded by the outbound queue
        // (`Server::outbound_buffer`), before it reaches tungstenite.
        .max_write_buffer_size(usize::MAX)
        .max_message_size(core.config.max_frame_size)
        .max_frame_size(core.config.max_frame_size)
        .on_upgrade(move |ws| connection::run(ws, accepted))
}

/// The transport names `socket.transport` records.
pub(super) const WEBSOCKET: &str = "websocket";
pub(super) const LONGPOLL: &str = "longpoll";

/// A connection refused before it was accepted: the HTTP status, and a
/// reason for the body.
pub(super) struct Refused {
    pub(super) status: StatusCode,
    pub(super) body: &'static str,
}

impl Refused {
    fn new(status: StatusCode, body: &'static str) -> Self {
        Refused { status, body }
    }
}

/// What both transports do before a connection is accepted, inside the
/// `socket.connect` span: the protocol version, the origin check, the
/// connection limit, then [`SocketHandler::connect`].
pub(super) async fn authenticate<S: SocketHandler>(
    endpoint: &Endpoint<S>,
    params: &ConnectParams,
    headers: &HeaderMap,
    extensions: &Extensions,
    transport: &'static str,
) -> Result<Accepted, Refused> {
    let core = &endpoint.core;
    let remote = core.config.trust_policy.apply(&HeaderCarrier(headers));
    let mut span = SpanGuard::start_remote(&CONNECT_SPAN, remote);
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|ua| ua.to_str().ok())
        .map(str::to_owned);
    if span.is_recording() {
        span.record(TRANSPORT, Some(transport.into()));
        let user_agent = user_agent.as_deref().map(bounded_str);
        span.record(USER_AGENT, user_agent.map(|ua| ua.into_owned().into()));
    }
    // Phoenix's V1 protocol (the default of clients that send no `vsn`)
    // frames messages as objects; answering it with arrays would fail on
    // every message, so refuse it up front.
    if !params.get("vsn").is_some_and(|vsn| vsn.starts_with("2.")) {
        const UNSUPPORTED: &str = "unsupported protocol version: this server speaks vsn=2.0.0";
        span.finish(Outcome::error("unsupported_vsn", &UNSUPPORTED));
        return Err(Refused::new(StatusCode::BAD_REQUEST, UNSUPPORTED));
    }
    if let Err(refused) = check_origin(core, headers) {
        span.finish(Outcome::error("origin_refused", &refused));
        return Err(Refused::new(StatusCode::FORBIDDEN, "origin not allowed"));
    }
    let Ok(slot) = core.connection_slots.clone().try_acquire_owned() else {
        Limit::Connections.hit();
        const FULL: &str = "too many connections: the server is at its limit";
        span.finish(Outcome::error("connection_limit", &FULL));
        return Err(Refused::new(StatusCode::SERVICE_UNAVAILABLE, FULL));
    };
    let info = ConnectInfo {
        transport,
        user_agent,
        peer: extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|info| info.0),
    };
    let connected = catch_panic(span.instrument(endpoint.handler.connect(params, &info))).await;
    let assigns = match connected {
        Ok(Ok(assigns)) => assigns,
        Ok(Err(refused)) => {
            span.finish(Outcome::error("connect_refused", &refused));
            return Err(Refused::new(StatusCode::FORBIDDEN, ""));
        }
        // The span has recorded the panic and ended.
        Err(_panic) => return Err(Refused::new(StatusCode::INTERNAL_SERVER_ERROR, "")),
    };
    let socket_id = endpoint.handler.id(&assigns).map(Arc::<str>::from);
    if span.is_recording() {
        let attributes = match &socket_id {
            Some(id) => vec![KeyValue::new(SOCKET_ID, bounded_str(id).into_owned())],
            None => Vec::new(),
        };
        span.context().span().add_event(AUTHENTICATED, attributes);
    }
    span.finish(Outcome::Unset);
    let idle_timeout = if transport == LONGPOLL {
        core.config.longpoll.session_timeout
    } else {
        core.config.idle_timeout
    };
    Ok(Accepted {
        core: core.clone(),
        socket_id,
        assigns,
        slot,
        idle_timeout,
    })
}

/// The origin check, for every request of either transport.
pub(super) fn check_origin(core: &Core, headers: &HeaderMap) -> Result<(), Refusal> {
    let origins = headers.get_all(header::ORIGIN).iter().map(|o| o.as_bytes());
    let host = headers.get(header::HOST).map(|h| h.as_bytes());
    core.config.origin.judge(origins, host)
}
