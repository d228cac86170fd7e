//! An axum server whose handlers continue their callers' traces:
//! `#[traced(parent = headers)]` reads the request's `traceparent` through
//! the trust policy. The program serves on loopback, calls itself twice
//! from a traced client (as another service would), prints both trace
//! trees on stderr and exits.
//!
//! - `GET /orders/{id}` is public: the caller's context becomes a *link*,
//!   and the server starts its own trace (the default for input from
//!   outside, as for channels).
//! - `GET /internal/orders/{id}` trusts its callers (`trust = parent`): the
//!   caller's span is the *parent*, one trace across both.
//!
//! Run with `cargo run --example axum_http` (the `TraceParent` extractor
//! needs tracewire's `axum` feature; the workspace builds its examples with
//! every feature).

use std::net::SocketAddr;

use axum::Router;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::routing::get;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tracewire::axum::TraceParent;
use tracewire::prelude::*;

/// Span "get_order" [server], linked to the caller's span.
#[traced(parent = headers)]
async fn get_order(Path(id): Path<u64>, headers: HeaderMap) -> String {
    load_order(id).await
}

/// Span "get_internal_order" [server], a child of the caller's span, with
/// `http.request.method` and `url.path` from the extractor.
#[traced(parent = trace, trust = parent)]
async fn get_internal_order(Path(id): Path<u64>, trace: TraceParent) -> String {
    load_order(id).await
}

/// Span "load_order", inside either handler.
#[traced]
async fn load_order(id: u64) -> String {
    tokio::task::yield_now().await;
    format!("order {id}")
}

/// Span "checkout.fetch" [client]: sends its own context as `traceparent`,
/// as an instrumented HTTP client in another service would.
#[traced(name = "checkout.fetch", kind = client)]
async fn fetch(addr: SocketAddr, path: &str) -> String {
    let mut request = http::Request::get(format!("http://{addr}{path}"));
    if let Some(headers) = request.headers_mut() {
        tracewire::carrier::inject_headers(&opentelemetry::Context::current(), headers);
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .expect("a valid request");
    let client = Client::builder(TokioExecutor::new()).build_http();
    match client.request(request).await {
        Ok(response) => match response.into_body().collect().await {
            Ok(body) => String::from_utf8_lossy(&body.to_bytes()).into_owned(),
            Err(e) => format!("error: {e}"),
        },
        Err(e) => format!("error: {e}"),
    }
}

/// Serves on 127.0.0.1 (any free port), makes the two calls and stops the
/// server.
pub async fn run() -> std::io::Result<Vec<String>> {
    let app = Router::new()
        .route("/orders/{id}", get(get_order))
        .route("/internal/orders/{id}", get(get_internal_order));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let answers = vec![
        fetch(addr, "/orders/7").await,
        fetch(addr, "/internal/orders/8").await,
    ];
    server.abort();
    Ok(answers)
}

#[allow(dead_code)] // the tests include this file for `run`
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // With no OTLP endpoint configured, each finished trace is printed to
    // stderr as a tree; set OTEL_EXPORTER_OTLP_ENDPOINT to send it instead.
    let telemetry = tracewire::init()?;
    for answer in run().await? {
        println!("{answer}");
    }
    // Flushes, so the traces are printed before the program exits.
    drop(telemetry);
    Ok(())
}
