//! OTLP/HTTP with protobuf bodies: one `POST` of the encoded request to the
//! signal's URL, over hyper's HTTP/1 client, gzip-compressed when asked,
//! and retried when the collector answers 429, 502, 503 or 504.

use std::io::Write as _;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, HeaderValue, Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::time::Instant;

use super::super::config::OtlpTarget;
use super::super::{Compression, InitError};
use super::connect::{Alpn, Connector, transport_failure};
use super::retry::{Failure, Retry, with_retries};

/// The most of a successful answer read (an OTLP response is a few bytes;
/// reading it lets the connection be reused).
const MAX_RESPONSE: usize = 64 * 1024;

/// Sends OTLP/HTTP requests to one URL.
pub(super) struct HttpSender {
    client: Client<Connector, Full<Bytes>>,
    uri: Uri,
    headers: HeaderMap,
    gzip: bool,
}

impl HttpSender {
    pub(super) fn new(target: &OtlpTarget) -> Result<HttpSender, InitError> {
        let connector = match &target.tls {
            Some(files) => Connector::tls(files, Alpn::Http1)?,
            None => Connector::plain(),
        };
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        let uri = target
            .endpoint
            .parse::<Uri>()
            .map_err(|e| InitError::Exporter {
                signal: "OTLP",
                endpoint: target.endpoint.clone(),
                message: e.to_string(),
            })?;
        let mut headers = HeaderMap::new();
        for (name, value) in target.headers.iter() {
            headers.insert(name.clone(), value.clone());
        }
        // Ours last: a configured header must not change the body's type.
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        headers
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static(super::USER_AGENT));
        let gzip = target.compression == Compression::Gzip;
        if gzip {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Ok(HttpSender {
            client,
            uri,
            headers,
            gzip,
        })
    }

    /// Sends `body` (an encoded export request), compressing it first when
    /// configured, with retries until `deadline`.
    pub(super) async fn send(&self, body: Vec<u8>, deadline: Instant) -> Result<(), String> {
        let body = if self.gzip {
            gzip(&body).map_err(|e| format!("compressing the request failed: {e}"))?
        } else {
            Bytes::from(body)
        };
        with_retries(deadline, || self.attempt(body.clone())).await
    }

    async fn attempt(&self, body: Bytes) -> Result<(), Failure> {
        let mut request = Request::post(self.uri.clone())
            .body(Full::new(body))
            .map_err(|e| Failure::fatal(format!("building the request failed: {e}")))?;
        *request.headers_mut() = self.headers.clone();
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| transport_failure(&e))?;
        let status = response.status();
        if status.is_success() {
            let _ = Limited::new(response.into_body(), MAX_RESPONSE)
                .collect()
                .await;
            return Ok(());
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, SystemTime::now()));
        Err(status_failure(status, retry_after))
    }
}

/// What an answer other than 2xx means. The response body is not shown: a
/// server may echo the request's headers in it.
pub(super) fn status_failure(status: StatusCode, retry_after: Option<Duration>) -> Failure {
    let retry = match status.as_u16() {
        // The specification's retryable codes; the others never are.
        429 | 502 | 503 | 504 => retry_after.map_or(Retry::Backoff, Retry::After),
        _ => Retry::No,
    };
    let hint = match status.as_u16() {
        401 | 403 => " (check the API key or token in OTEL_EXPORTER_OTLP_HEADERS)",
        404 => {
            " (check the endpoint's path: http/protobuf posts to /v1/traces, /v1/metrics and /v1/logs)"
        }
        _ => "",
    };
    Failure {
        message: format!("the collector answered {status}{hint}"),
        retry,
    }
}

/// `Retry-After`: a number of seconds or an HTTP date.
pub(super) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

fn gzip(body: &[u8]) -> std::io::Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(body)?;
    encoder.finish().map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    #[test]
    fn only_the_specifications_codes_are_retried() {
        let after = Some(Duration::from_secs(3));
        for code in [429, 502, 503, 504] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(status_failure(status, None).retry, Retry::Backoff, "{code}");
            assert_eq!(
                status_failure(status, after).retry,
                Retry::After(Duration::from_secs(3)),
                "{code}"
            );
        }
        for code in [400, 401, 403, 404, 405, 408, 413, 415, 500, 501, 505] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(status_failure(status, after).retry, Retry::No, "{code}");
        }
        assert_eq!(
            status_failure(StatusCode::UNAUTHORIZED, None).message,
            "the collector answered 401 Unauthorized (check the API key or token in \
             OTEL_EXPORTER_OTLP_HEADERS)"
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past: retry now"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn gzip_round_trips() {
        let body = b"a span, a span, a span, a span".repeat(20);
        let compressed = gzip(&body).unwrap();
        assert!(compressed.len() < body.len());
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, body);
    }
}
