//! Phoenix Channels over WebSocket and LongPoll, traced: a server the
//! official `phoenix` JavaScript client connects to unchanged.
//!
//! This module owns the server side of Phoenix's channel protocol. What a
//! channel is written with is here, at its root:
//!
//! - what a channel handler is ([`Channel`], [`SocketHandler`]) and returns
//!   ([`Reply`], [`JoinError`], [`Outgoing`], ...);
//! - [`Server`]: the endpoint, an axum [`Router`](axum::Router) at
//!   `{path}/websocket` and `{path}/longpoll` (see [LongPoll](#longpoll)),
//!   and [`ServerHandle`] for one that is running;
//! - [`Socket`]: a joined channel's view of its connection, with [`Pusher`]
//!   for pushing from spawned tasks;
//! - [`PubSub`]: topics, subscribers and traced broadcasts, on one node or
//!   across nodes.
//!
//! and the rest in a module per part of the server:
//!
//! - [`presence`]: who is on each topic ([`Presence`](presence::Presence)),
//!   pushed to clients as `presence_state` and `presence_diff`, on every
//!   node;
//! - [`cluster`]: more than one node, through an
//!   [`Adapter`](cluster::Adapter) ([`InProcess`](cluster::InProcess), the
//!   default, or `RedisAdapter`);
//! - [`transport`]: the WebSocket and LongPoll transports, the
//!   [`OriginCheck`](transport::OriginCheck) and the default of every
//!   [limit](#limits).
//!
//! ```no_run
//! use tracewire::channel::{
//!     Assigns, Channel, ConnectError, ConnectInfo, ConnectParams, JoinError, Payload, Reply,
//!     Server, Socket, SocketHandler,
//! };
//!
//! struct UserSocket;
//!
//! impl SocketHandler for UserSocket {
//!     async fn connect(&self, params: &ConnectParams, _: &ConnectInfo) -> Result<Assigns, ConnectError> {
//!         let user = params.get("token").ok_or_else(|| ConnectError::new("no token"))?;
//!         let mut assigns = Assigns::new();
//!         assigns.insert("user".into(), user.as_str().into());
//!         Ok(assigns)
//!     }
//! }
//!
//! struct RoomChannel;
//!
//! impl Channel for RoomChannel {
//!     const NAME: &'static str = "room";
//!
//!     async fn join(_: &str, _: Payload, _: &mut Socket) -> Result<(Self, Payload), JoinError> {
//!         Ok((RoomChannel, serde_json::json!({ "status": "joined" })))
//!     }
//!
//!     async fn handle_in(&mut self, event: &str, payload: Payload, socket: &mut Socket) -> Option<Reply> {
//!         match event {
//!             "message:new" => match socket.broadcast("message:new", payload) {
//!                 Ok(()) => None,
//!                 Err(e) => Some(Reply::error(e)),
//!             },
//!             other => Some(Reply::unknown_event(other)),
//!         }
//!     }
//! }
//!
//! # #[tokio::main] async fn main() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:4000").await?;
//! let server = Server::new(UserSocket).channel::<RoomChannel>("room:*").serve(listener)?;
//! println!("connect to {}", server.url());
//! # Ok(()) }
//! ```
//!
//! # Protocol
//!
//! Wire protocol V2 with JSON text frames (`vsn=2.0.0`; a connection asking
//! for another version is refused with HTTP 400 before the upgrade). Every
//! frame is `[join_ref, ref, topic, event, payload]`; `join_ref` and `ref`
//! are echoed exactly as the client sent them.
//!
//! | client sends | server answers |
//! | --- | --- |
//! | the upgrade, `?vsn=2.0.0&token=..` | the [origin check](#origin-check) and the connection limit, then [`SocketHandler::connect`] with the query as [`ConnectParams`]; a refusal is HTTP 403 before the upgrade; the accepted socket's id is [`SocketHandler::id`] |
//! | `[jr, ref, "phoenix", "heartbeat", {}]` | `phx_reply` `{"status": "ok", "response": {}}` |
//! | `[jr, ref, topic, "phx_join", params]` | the first route matching `topic` runs [`Channel::join`]; `phx_reply` `ok` with its response, or `error` with the [`JoinError`]'s; `{"reason": "unmatched topic"}` when no route matches, `{"reason": "join crashed"}` when `join` panics |
//! | events sent before the join's reply | queued behind the join and handled after it, in order (a slow `join` holds up only its own topic); if the join fails they are answered `unmatched topic` |
//! | `phx_join` of a topic already joined | as Phoenix: the joined channel stops (`terminate` with [`LeaveReason::Rejoined`], `phx_close` to its `join_ref`), then the new join runs |
//! | `[jr, ref, topic, event, payload]` | [`Channel::handle_in`]; its [`Reply`], if any, as `phx_reply` (`Reply::unknown_event` and `Reply::invalid_payload` for events and payloads a channel does not take) |
//! | any event for a topic not joined | `phx_reply` `error` `{"reason": "unmatched topic"}`, as Phoenix (`Phoenix.Socket`'s `encode_ignore`) |
//! | `phx_leave` | `phx_reply` `ok`, then `terminate` with [`LeaveReason::Leave`], then `phx_close`; a leave of a topic not joined is answered `ok` too; a leave naming an older `join_ref` of the topic (it raced a duplicate join) gets no answer, as in Phoenix |
//! | (a handler panics) | `terminate` with [`LeaveReason::Crashed`], `phx_error` on the topic; the connection and its other channels carry on |
//!
//! Pushes and broadcasts go out as `[join_ref, null, topic, event, payload]`;
//! `phx_close` and `phx_error` as `[join_ref, join_ref, topic, event, {}]`,
//! as Phoenix sends them.
//!
//! ## Bad input
//!
//! Nothing a client sends panics the server or closes the connection, unless
//! the connection cannot go on:
//!
//! | input | answer |
//! | --- | --- |
//! | not JSON, not an array, a non-string topic, no usable `ref` | `[null, null, "phoenix", "phx_error", {"reason": "malformed message", "details": ..}]`: nothing else can address it (the `phoenix` client ignores it) |
//! | an array of the wrong arity, a non-string event, a bad `join_ref`, with a usable `ref` and `topic` | `phx_reply` `error` `{"reason": "malformed message", "details": ..}` to that `ref` |
//! | a binary frame | a V2 binary push is answered `phx_reply` `error` `{"reason": "binary payloads are not supported"}`; any other binary frame like malformed JSON |
//! | a frame over [`Server::max_frame_size`] | close code 1009 with the limit in the reason: the frame is not read |
//! | invalid UTF-8 in a text frame, a WebSocket protocol violation | close code 1007 or 1002 with a reason |
//! | any of the [limits](#limits) below | the answer in its row there |
//!
//! An answer never repeats a value that was too long: an error reply to a
//! frame whose topic is over the limit goes to the `phoenix` topic.
//!
//! # Origin check
//!
//! As Phoenix's `check_origin`, on by default: an upgrade whose `Origin`
//! header is not the request's own host and port (a page of another site,
//! opening a socket with the user's cookies) is refused with HTTP 403
//! before [`SocketHandler::connect`] runs, and its `socket.connect` span
//! ends with status Error and `error.type = "origin_refused"`. An upgrade
//! with no `Origin` header is allowed: only browsers send one, and they
//! always do. Allow other origins, with `*.example.com` wildcards, or turn
//! the check off, with [`Server::check_origin`]; [`OriginCheck`](transport::OriginCheck) has the
//! exact rules.
//!
//! # Limits
//!
//! Each limit is set on [`Server`]. A hit is answered as below, never
//! affects another connection, and is counted in the
//! `tracewire.channel.limit_hits` counter (unit `{hit}`) with the attribute
//! `limit` naming it, alongside the handler metrics (in tests,
//! `tracewire::testing::TestTracing::limit_hits` reads it).
//!
//! | limit (`limit` attribute) | set with | default | a hit gets |
//! | --- | --- | --- | --- |
//! | `handshake_timeout` | [`Server::handshake_timeout`] | [`DEFAULT_HANDSHAKE_TIMEOUT`](transport::DEFAULT_HANDSHAKE_TIMEOUT), 10 s | an upgrade request (or a later request head) not fully read in time: the connection is closed, no response |
//! | `connections` | [`Server::max_connections`] | [`DEFAULT_MAX_CONNECTIONS`](transport::DEFAULT_MAX_CONNECTIONS), 100,000 | HTTP 503 before `connect`; `socket.connect` ends with `error.type = "connection_limit"` |
//! | `channels` | [`Server::max_channels`] | [`DEFAULT_MAX_CHANNELS`](transport::DEFAULT_MAX_CHANNELS), 100 per socket | `phx_reply` `error` `{"reason": "too many channels", "details": ..}` |
//! | `topic_length` | [`Server::max_topic_length`] | [`DEFAULT_MAX_TOPIC_LENGTH`](transport::DEFAULT_MAX_TOPIC_LENGTH), 256 bytes | `phx_reply` `error` `{"reason": "topic too long", "details": ..}` on the `phoenix` topic |
//! | `event_length` | [`Server::max_event_length`] | [`DEFAULT_MAX_EVENT_LENGTH`](transport::DEFAULT_MAX_EVENT_LENGTH), 128 bytes | `phx_reply` `error` `{"reason": "event name too long", "details": ..}` |
//! | `message_rate` | [`Server::max_message_rate`] | none | `phx_reply` `error` `{"reason": "rate limit exceeded", "details": ..}`; heartbeats are never limited |
//! | `frame_size` | [`Server::max_frame_size`] | [`DEFAULT_MAX_FRAME_SIZE`](transport::DEFAULT_MAX_FRAME_SIZE), 1 MiB | close code 1009; a LongPoll POST body over it: HTTP 413 |
//! | `outbound_buffer` | [`Server::outbound_buffer`] | [`DEFAULT_OUTBOUND_BUFFER`](transport::DEFAULT_OUTBOUND_BUFFER), 8 MiB | close code 1013 (see [Backpressure](#backpressure)) |
//! | `idle_timeout` | [`Server::idle_timeout`]; for LongPoll, [`Server::longpoll_session_timeout`] | [`DEFAULT_IDLE_TIMEOUT`](transport::DEFAULT_IDLE_TIMEOUT), 60 s; [`DEFAULT_LONGPOLL_SESSION_TIMEOUT`](transport::DEFAULT_LONGPOLL_SESSION_TIMEOUT), 20 s | the connection is closed, code 1000; a LongPoll session ends, its next poll gets `410` |
//!
//! A message over a limit is answered without being handled. The
//! handshake timeout is [`Server::serve`]'s: a [`Server::router`] served by
//! other means has its server's timeouts (every other limit holds either
//! way).
//!
//! # Spans
//!
//! Besides the handlers' own spans (written by `#[traced_channel]`), the
//! server creates:
//!
//! | span | kind | when | attributes |
//! | --- | --- | --- | --- |
//! | `socket.connect` | SERVER | around [`SocketHandler::connect`], and around an upgrade refused before it | `socket.transport`, `socket.user_agent`; event `socket.authenticated` (with `socket.id`) on success; status Error on refusal (`error.type`: `connect_refused`, `unsupported_vsn`, `origin_refused`, `connection_limit`) |
//! | `channel.broadcast` | PRODUCER | around each broadcast, a child of the current span | `messaging.destination.name` (the topic), `broadcast.event`, `broadcast.payload_size` (bytes of the JSON payload), `broadcast.recipients` |
//! | `{Channel::NAME}.handle_out {event}` | CONSUMER | per recipient of a broadcast its channel does not intercept, around writing it to the client | a new trace *linked* to `channel.broadcast` |
//! | `publish {channel}` | PRODUCER | with the `redis` feature's adapter, around publishing each message to Redis, a child of `channel.broadcast` | `messaging.system` (`redis`), `messaging.destination.name` (the Redis channel), `messaging.operation.name` (`publish`), `messaging.operation.type` (`send`), `messaging.message.body.size`; status Error with `error.type` (`disconnected`, `queue_full`, `too_large`) when it was not published |
//! | `presence.track`, `presence.untrack` | INTERNAL | around each [`Presence`](presence::Presence) change, a child of the current span (`untrack` of a channel that stopped: a new trace); the `presence_diff` broadcast is its child | `presence.topic`, `presence.key` (never the meta); `presence.reason` on `untrack` (`untrack`, `channel_stopped`); `error.type` when refused (`already_tracked`, `presence_meta`) |
//! | `presence.apply_delta`, `presence.apply_state` | CONSUMER | applying another node's presence changes (see [`Presence`](presence::Presence#across-nodes)) | a new trace *linked* to the sending node's span; `presence.node`, `presence.joins`, `presence.leaves`, and `presence.topic`/`presence.key` for a delta of one change |
//! | `presence.node_down` | INTERNAL | a node not heard from for three presence periods is removed | `presence.node`, `presence.leaves` |
//!
//! For an event the channel [intercepts](Channel::intercepts), the server
//! creates no span: it runs [`Channel::handle_out`] under a context that
//! makes the handler's own span (`room.handle_out {event}` from
//! `#[traced_channel]`) the new trace linked to the broadcast. A handler
//! that broadcasts to N topics gets N `channel.broadcast` children.
//!
//! Handlers otherwise run under an empty context: each client message starts
//! its own trace, rather than one trace growing for the connection's life.
//!
//! # LongPoll
//!
//! Where WebSockets are blocked, the `phoenix` client falls back
//! (`new Socket(url, {longPollFallbackMs: 2500})`) to LongPoll, served at
//! `{path}/longpoll` beside the WebSocket, as Phoenix.Transports.LongPoll
//! speaks it: a `GET` without a session token runs `socket.connect`
//! (`socket.transport = "longpoll"`) and opens a session, answered
//! `{"status": 410, "token": T}`; `GET ?token=T` polls, answered
//! `{"status": 200, "token": T, "messages": [..]}` as soon as frames wait,
//! `{"status": 204}` after [`Server::longpoll_window`] (10 s) without;
//! `POST ?token=T` sends frames, one per line. A session is a connection
//! like a WebSocket's, whose frames wait for polls instead of being
//! written: the same channels, handlers, limits and spans. It ends after
//! [`Server::longpoll_session_timeout`] (20 s) without a request, and its
//! next poll is answered `410` (the client reconnects and rejoins).
//!
//! Every request passes the [origin check](#origin-check) (`403`). A token
//! no session has is answered `410`; a body over the frame limit HTTP 413;
//! a body that is not UTF-8, or with a frame that is not JSON, HTTP 400 and
//! none of it handled. On a cluster, the token names the session's node: a
//! request that lands on another node is relayed to it through the
//! [`Adapter`](cluster::Adapter) and answered with its reply (`410` if none comes within the
//! window and 2 s, as when that node is down).
//!
//! # Trust policy
//!
//! A client may send W3C trace context in a join's params or an event's
//! payload, under [`carrier::JSON_KEY`](crate::carrier::JSON_KEY):
//! `{"body": "hi", "trace_context": {"traceparent": "00-…", "tracestate": "…"}}`.
//! The server removes that key before the handler sees the payload, and
//! applies the [`TrustPolicy`](crate::carrier::TrustPolicy) set with
//! [`Server::trust_policy`]:
//!
//! - `Link` (the default): the handler's span starts a new trace linked to
//!   the client's span. The client cannot choose the server's trace id or
//!   sampling decision ([why](crate::carrier#why-trustpolicylink-is-the-default)).
//! - `Parent`: the handler's span continues the client's trace, baggage
//!   included. For clients inside your trust boundary only.
//! - `Ignore`: the context is dropped unread.
//!
//! The same policy applies to a `traceparent` header on the upgrade request,
//! for `socket.connect`.
//!
//! # Metadata
//!
//! Trace context travels from a broadcast to its recipients in the PubSub
//! message's metadata, beside the payload, never inside it: clients receive
//! exactly the payload that was broadcast.
//!
//! # Peer address
//!
//! [`ConnectInfo::peer`] gives `connect` the client's address, but the server
//! records it on no span: a client IP is personal data in many
//! jurisdictions. Record it yourself (say, as `client.address` in `connect`)
//! if your policy allows.
//!
//! # What clients send, on spans
//!
//! The server never records the connect params (the socket URL's query,
//! where tokens travel), nor join params or payloads. The client-supplied
//! strings it does record (the user agent, the socket id, an unknown
//! event's name, a refused origin) are cut to
//! [`MAX_RECORDED_STRING`](crate::semconv::MAX_RECORDED_STRING) bytes. A
//! payload or join params that do not decode are recorded as the decoding
//! error without the values it quotes (`invalid type: string, expected
//! u64`); the client's error reply keeps them. `#[traced_channel]` leaves a
//! `connect`'s arguments and a `join`'s params off its spans unless asked
//! for with `#[span(record(arg))]`.
//!
//! # Backpressure
//!
//! Memory per connection is bounded:
//!
//! - Client messages waiting for their channel hold at most four times
//!   [`Server::max_frame_size`] bytes; beyond that the server stops reading
//!   the connection until its channels catch up, so a fast sender is slowed
//!   down by TCP backpressure.
//! - Frames waiting to be written hold at most [`Server::outbound_buffer`]
//!   bytes. Broadcasts, pushes and replies never wait for a client: a
//!   connection whose buffer is full is *closed*, with code 1013 and the
//!   reason `outbound buffer full: the client is not reading fast enough`
//!   (the `phoenix` client reconnects and rejoins). A broadcast is thus
//!   never held up by one slow client, and a client that keeps up gets every
//!   message: nothing is dropped from a connection that stays open.
//! - A connection silent for [`Server::idle_timeout`] (no heartbeat either)
//!   is closed.
//!
//! An idle joined connection costs about 14 KiB of memory (RSS, measured
//! with 50 000 connections; `scripts/connections.sh` and the "Connections"
//! section of BENCHMARKS.md): a 2 KiB WebSocket read buffer and a 1 KiB
//! write buffer (tungstenite's defaults are 128 KiB each), three small tasks
//! (reader, writer, one per joined channel) whose handlers' futures are
//! allocated only while they run, and their queues.
//!
//! # More than one node
//!
//! A [`Server`] is one node of a cluster: its [`PubSub`] owns this node's
//! topics and delivers to their subscribers, and an [`Adapter`](cluster::Adapter) beneath it
//! carries broadcasts to the other nodes ([`Server::adapter`]). The default,
//! [`InProcess::single`](cluster::InProcess::single), is a cluster of one;
//! [`InProcess::node`](cluster::InProcess::node) puts
//! several servers of one process in one cluster; with the `redis` feature,
//! `RedisAdapter` connects nodes through Redis PUBLISH/SUBSCRIBE.
//!
//! As in Phoenix:
//!
//! - [`PubSub::broadcast`] (and [`Socket::broadcast`]) reaches every
//!   subscriber on every node, once; [`Socket::broadcast_from`] every one
//!   but the sender; [`PubSub::local_broadcast`] this node's only;
//! - broadcasts from one node arrive on every other node in the order that
//!   node sent them;
//! - across nodes delivery is *at most once*: what the adapter cannot get
//!   to the broker is counted in `tracewire.pubsub.unpublished` (attribute
//!   `reason`) and lost, while this node's own subscribers always get it;
//!   what a node receives that is not a message is counted in
//!   `tracewire.pubsub.rejected` and dropped.
//!
//! The broadcast span's W3C context travels in the adapter's message, not
//! in the payload: the other node's `handle_out` spans link to it (the
//! broker is untrusted input, so they never continue its trace), and what
//! clients receive is exactly what was broadcast. Code that coordinates
//! nodes (Presence, LongPoll) sends node messages no client sees through
//! the same adapter: [`PubSub::node_broadcast`], [`PubSub::node_send`],
//! [`PubSub::node_subscribe`] (a subscription holds 1024 messages; one
//! more is dropped and counted as the limit hit `pubsub_node_queue`).
//! [`ClusterMessage`](cluster::ClusterMessage) has the wire format.

pub mod cluster;
pub(crate) mod handler;
pub mod presence;
mod server;
pub mod transport;
mod wire;

pub use cluster::pubsub::{BroadcastError, PubSub};
pub use handler::{
    Assigns, Channel, ConnectError, ConnectInfo, ConnectParams, IntoJoin, IntoOutgoing, IntoReply,
    JoinError, LeaveReason, Outgoing, Payload, PushError, Pusher, Reply, Socket, SocketHandler,
};
pub use server::{Server, ServerHandle};
