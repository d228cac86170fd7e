//! What both transports do before a connection is accepted, inside the
//! `socket.connect` span: the protocol version, the [origin
//! check](super::OriginCheck), the connection limit, then
//! [`SocketHandler::connect`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{Extensions, HeaderMap, StatusCode, header};
use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanKind, TraceContextExt as _};

use super::connection::Accepted;
use super::endpoint::Endpoint;
use super::limits::Limit;
use super::origin::Refusal;
use super::server_core::Core;
use crate::carrier::HeaderCarrier;
use crate::channel::handler::{ConnectInfo, ConnectParams, SocketHandler};
use crate::outcome::Outcome;
use crate::panic::catch_panic;
use crate::span::{SpanMeta, SpanGuard};
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

/// The transport names `socket.transport` records.
pub(crate) const WEBSOCKET: &str = "websocket";
pub(crate) const LONGPOLL: &str = "longpoll";

/// A connection refused before it was accepted: the HTTP status, and a
/// reason for the body.
pub(crate) struct Refused {
    pub(crate) status: StatusCode,
    pub(crate) body: &'static str,
}

impl Refused {
    fn new(status: StatusCode, body: &'static str) -> Self {
        Refused { status, body }
    }
}

/// What both transports do before a connection is accepted, inside the
/// `socket.connect` span: the protocol version, the origin check, the
/// connection limit, then [`SocketHandler::connect`].
pub(crate) async fn authenticate<S: SocketHandler>(
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
pub(crate) fn check_origin(core: &Core, headers: &HeaderMap) -> Result<(), Refusal> {
    let origins = headers.get_all(header::ORIGIN).iter().map(|o| o.as_bytes());
    let host = headers.get(header::HOST).map(|h| h.as_bytes());
    core.config.origin.judge(origins, host)
}
