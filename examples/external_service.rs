//! A call to an outside HTTP API, with its errors and timeouts on the span.
//!
//! The Elixir version of `call_api/2` sets `http.status_code` and
//! `http.response_size`, marks status 400 and up as an error (`"HTTP 503"`),
//! and records and re-raises any exception, all by hand. Here `call_api` sets
//! the same two attributes, and the return value decides the span's status
//! through `SpanOutcome`: a `Response` of 400 or more is an error, a 200
//! leaves the status unset, and `ApiError::Timeout` (the request outlived
//! `REQUEST_TIMEOUT`) is an error with `error.type = "timeout"`. The timed-out
//! request's own span, `external_service.http_request`, ends marked
//! cancelled. A panic is recorded on both spans and then continues, as
//! Elixir's `reraise` does.
//!
//! Run with `cargo run --example external_service`.

use std::fmt;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::trace::TraceContextExt;
use tracewire::prelude::*;

/// How long `call_api` waits for a response.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(200);

/// A simulated HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)
    }
}

/// Status 400 and up is an error described as `HTTP {status}`.
impl SpanOutcome for Response {
    fn span_outcome(&self) -> Outcome<'_> {
        if self.status >= 400 {
            Outcome::error("http_error", self)
        } else {
            Outcome::Unset
        }
    }
}

/// Why there is no response.
#[derive(Debug)]
pub enum ApiError {
    Timeout(Duration),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Timeout(after) => write!(f, "no response within {after:?}"),
        }
    }
}

impl SpanOutcome for ApiError {
    fn span_outcome(&self) -> Outcome<'_> {
        match self {
            ApiError::Timeout(_) => Outcome::error("timeout", self),
        }
    }
}

/// What `call_api` returns: a response, or why there is none. A newtype,
/// because a plain `Result`'s outcome would look at neither the response's
/// status nor the error's own `error.type`.
#[derive(Debug)]
pub struct ApiResult(pub Result<Response, ApiError>);

impl SpanOutcome for ApiResult {
    fn span_outcome(&self) -> Outcome<'_> {
        match &self.0 {
            Ok(response) => response.span_outcome(),
            Err(error) => error.span_outcome(),
        }
    }
}

/// Span `external_service.call_api` with `endpoint` and `method`, plus
/// `http.status_code` and `http.response_size` once a response arrives.
#[traced(
    name = "external_service.call_api",
    fields(method = "POST"),
    skip(params)
)]
pub async fn call_api(endpoint: &str, params: &[(&str, &str)]) -> ApiResult {
    let request = make_http_request(endpoint, params);
    let Ok(response) = tokio::time::timeout(REQUEST_TIMEOUT, request).await else {
        return ApiResult(Err(ApiError::Timeout(REQUEST_TIMEOUT)));
    };
    let cx = opentelemetry::Context::current();
    cx.span().set_attributes([
        KeyValue::new("http.status_code", i64::from(response.status)),
        KeyValue::new("http.response_size", response.body.len() as i64),
    ]);
    ApiResult(Ok(response))
}

/// The simulated server: `/slow` never answers in time, `/crash` panics,
/// `/inventory` is unavailable, anything else succeeds after 100 ms.
#[traced(name = "external_service.http_request", kind = client, skip_all)]
async fn make_http_request(endpoint: &str, _params: &[(&str, &str)]) -> Response {
    let wait = if endpoint == "/slow" { 5_000 } else { 100 };
    tokio::time::sleep(Duration::from_millis(wait)).await;
    match endpoint {
        "/crash" => panic!("connection reset by peer"),
        "/inventory" => Response {
            status: 503,
            body: r#"{"error": "unavailable"}"#.into(),
        },
        _ => Response {
            status: 200,
            body: r#"{"result": "success"}"#.into(),
        },
    }
}

/// A success, an HTTP error, a timeout and a panic.
pub async fn run() {
    let params = [("user_id", "42")];
    for endpoint in ["/users", "/inventory", "/slow"] {
        let ApiResult(result) = call_api(endpoint, &params).await;
        match result {
            Ok(response) => println!("{endpoint:<10} -> {response}: {}", response.body),
            Err(error) => println!("{endpoint:<10} -> {error}"),
        }
    }
    // The panic ends the task it ran in, as a `reraise` in Elixir ends the
    // caller's process.
    let crashed = tokio::spawn(async move { call_api("/crash", &params).await }).await;
    let panicked = crashed.is_err_and(|e| e.is_panic());
    println!("{:<10} -> panicked: {panicked}\n", "/crash");
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), tracewire::InitError> {
    // With no OTLP endpoint configured, each finished trace is printed to
    // stderr as a tree; set OTEL_EXPORTER_OTLP_ENDPOINT to send it instead.
    let telemetry = tracewire::init()?;
    run().await;
    // Flushes, so the last traces are printed before the program exits.
    drop(telemetry);
    Ok(())
}
