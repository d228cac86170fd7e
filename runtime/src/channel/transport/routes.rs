//! The axum routes of a server's two transports: `{path}/websocket` and
//! `{path}/longpoll`.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use super::endpoint::Endpoint;
use super::longpoll;
use super::longpoll_relay;
use super::longpoll_session::Sessions;
use super::server_core::Core;
use super::websocket;
use crate::channel::handler::SocketHandler;

/// Both transports' routes for `core`'s server, authenticating with
/// `handler`; starts the relay of LongPoll requests between nodes (if a
/// tokio runtime is running, which a server that serves has).
pub(crate) fn router<S: SocketHandler>(handler: S, core: Arc<Core>) -> Router {
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
        handler,
        core,
        sessions,
    });
    Router::new()
        .route(&route, get(websocket::upgrade::<S>))
        .route(
            &longpoll_route,
            get(longpoll::poll::<S>)
                .post(longpoll::publish::<S>)
                .options(longpoll::preflight::<S>),
        )
        .with_state(state)
}
