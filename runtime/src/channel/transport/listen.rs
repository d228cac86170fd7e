//! The accept loop of [`Server::serve`](crate::channel::Server::serve): HTTP/1 on
//! each accepted TCP connection, with a deadline on reading the request,
//! until the WebSocket upgrade hands the connection over; and the graceful
//! shutdown of it all.
//!
//! `axum::serve` has no such deadline: an upgrade request whose headers
//! never finish would hold its file descriptor for ever, and a few thousand
//! of them would exhaust the process's. hyper's HTTP/1 connection has one
//! (`header_read_timeout`, which needs a timer), so this loop drives hyper
//! itself. The deadline covers every request head on the connection, so a
//! kept-alive connection that sends nothing more is closed too.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower_service::Service as _;

use super::limits::Limit;
use super::server_core::stopped;

/// Accepts connections on `listener` and serves `router` on each, until
/// `stop` turns `true`; then stops accepting, lets each connection finish
/// the request it is in, and returns once they have. Upgraded connections
/// are no longer this loop's: they stop on the same signal by themselves.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    handshake_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    // Each connection task holds a receiver; all are dropped once every
    // task has ended.
    let (tasks_done, tasks) = watch::channel(());
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stopped(&mut stop) => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) if is_connection_error(&error) => continue,
            // Out of file descriptors, most likely: accepting again at once
            // would spin. Connections already open are unaffected.
            Err(_) => {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    () = stopped(&mut stop) => break,
                }
            }
        };
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            handshake_timeout,
            stop.clone(),
            tasks.clone(),
        ));
    }
    drop(listener);
    drop(tasks);
    tasks_done.closed().await;
    Ok(())
}

/// Serves HTTP/1 on one connection until it is upgraded, closed, or out of
/// time for a request head.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    handshake_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    _task: watch::Receiver<()>,
) {
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        async move { Ok::<_, Infallible>(router.call(request).await.unwrap_or_else(|e| match e {})) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(handshake_timeout);
    let mut conn = pin!(
        builder
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades()
    );
    let mut stopping = false;
    loop {
        tokio::select! {
            served = conn.as_mut() => {
                if served.is_err_and(|error| error.is_timeout()) {
                    Limit::HandshakeTimeout.hit();
                }
                return;
            }
            () = stopped(&mut stop), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Errors that concern one connection, not the listener (the same list
/// as axum's).
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
