//! An OTLP receiver of the tests' own, on loopback, for what the real
//! collector (rotel) cannot show: it speaks TLS with a certificate the test
//! generated (optionally asking for a client certificate), records the
//! headers and the content encoding of every request, decodes the spans
//! and log records (opentelemetry-proto's messages), and answers as the test scripts it
//! (HTTP 503 with `Retry-After`, gRPC UNAVAILABLE with `RetryInfo`, 401).
//!
//! One port serves both protocols: OTLP/HTTP over HTTP/1.1 and OTLP/gRPC
//! over HTTP/2 (ALPN picks, for TLS; the preface, in the clear).

use std::collections::{BTreeMap, VecDeque};
use std::io::Read as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use prost::Message as _;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::SINK_WAIT;
use super::certs::TestPki;

const GRPC_TRACES: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
const GRPC_METRICS: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
const GRPC_LOGS: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// How the receiver answers one traces request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// HTTP 200, or gRPC OK, with an empty OTLP response.
    Accept,
    /// An HTTP status, with a `Retry-After` value when given.
    Http(u16, Option<&'static str>),
    /// A gRPC status code, with a `RetryInfo` delay when given.
    Grpc(i32, Option<Duration>),
}

/// A span as the receiver decoded it.
#[derive(Clone, Debug)]
pub struct ReceivedSpan {
    pub name: String,
    pub span_id: String,
    pub trace_id: String,
    pub parent_span_id: String,
    /// Values as text: strings as they are, numbers printed.
    pub attributes: BTreeMap<String, String>,
}

/// A log record as the receiver decoded it.
#[derive(Clone, Debug)]
pub struct ReceivedLog {
    /// A string body as it is, any other printed.
    pub body: String,
    pub severity_number: i32,
    pub severity_text: String,
    pub trace_id: String,
    pub span_id: String,
    /// Values as text, as for spans.
    pub attributes: BTreeMap<String, String>,
    /// The instrumentation scope's name (`tracing`'s target, through the
    /// bridge).
    pub scope: String,
    /// The resource's `service.name`.
    pub service_name: String,
}

/// One request, as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub grpc: bool,
    pub path: String,
    pub headers: HeaderMap,
    /// `gzip` when the body (HTTP) or the message (gRPC) was compressed.
    pub encoding: Option<String>,
    pub spans: Vec<ReceivedSpan>,
    pub metric_names: Vec<String>,
    pub logs: Vec<ReceivedLog>,
    /// Whether it was answered with [`Answer::Accept`].
    pub accepted: bool,
    pub at: Instant,
}

impl Received {
    pub fn is_traces(&self) -> bool {
        self.path == "/v1/traces" || self.path == GRPC_TRACES
    }

    pub fn is_metrics(&self) -> bool {
        self.path == "/v1/metrics" || self.path == GRPC_METRICS
    }

    pub fn is_logs(&self) -> bool {
        self.path == "/v1/logs" || self.path == GRPC_LOGS
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Default)]
struct State {
    received: Mutex<Vec<Received>>,
    script: Mutex<VecDeque<Answer>>,
    connections: AtomicUsize,
    failed_handshakes: AtomicUsize,
}

/// TLS settings of the receiver.
pub struct ServerTls<'a> {
    pub pki: &'a TestPki,
    /// Ask for a client certificate signed by the same CA.
    pub require_client_cert: bool,
}

/// The receiver; it stops when dropped.
pub struct Receiver {
    pub port: u16,
    tls: bool,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    /// Starts a receiver on a free loopback port, answering traces
    /// requests with `script` in turn and then with [`Answer::Accept`].
    pub fn start(tls: Option<ServerTls<'_>>, script: Vec<Answer>) -> Receiver {
        let acceptor = tls.map(|tls| TlsAcceptor::from(Arc::new(server_config(&tls))));
        let has_tls = acceptor.is_some();
        let state = Arc::new(State::default());
        state.script.lock().unwrap().extend(script);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind the receiver");
        let port = listener.local_addr().unwrap().port();
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let serving = Arc::clone(&state);
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                tokio::select! {
                    _ = stopped => {}
                    _ = serve(listener, acceptor, serving) => {}
                }
            });
            runtime.shutdown_background();
        });
        Receiver {
            port,
            tls: has_tls,
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The endpoint with its scheme.
    pub fn endpoint(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// The traces requests received so far.
    pub fn traces_requests(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(Received::is_traces)
            .collect()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// TLS handshakes that failed so far.
    pub fn failed_handshakes(&self) -> usize {
        self.state.failed_handshakes.load(Ordering::SeqCst)
    }

    /// Polls until `done` holds for the requests received, for up to
    /// [`SINK_WAIT`]; panics with what arrived when it doesn't.
    pub fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            if started.elapsed() > SINK_WAIT {
                panic!(
                    "{what} did not reach the receiver within {SINK_WAIT:?}; it got:\n{received:#?}"
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn server_config(tls: &ServerTls<'_>) -> rustls::ServerConfig {
    // Deprecated from rustls 0.23.48 (no post-quantum key exchange), and
    // still the provider tracewire's client uses; see its `connect.rs`.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = CertificateDer::pem_slice_iter(tls.pki.server_cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(tls.pki.server_key_pem.as_bytes()).unwrap();
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if tls.require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(tls.pki.ca_pem.as_bytes()).unwrap())
            .unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let mut config = builder.with_single_cert(chain, key).unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

async fn serve(listener: TcpListener, acceptor: Option<TlsAcceptor>, state: Arc<State>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        state.connections.fetch_add(1, Ordering::SeqCst);
        let (acceptor, state) = (acceptor.clone(), Arc::clone(&state));
        tokio::spawn(async move {
            let serving = Arc::clone(&state);
            let service = hyper::service::service_fn(move |request| {
                let state = Arc::clone(&serving);
                async move { Ok::<_, std::convert::Infallible>(handle(request, &state).await) }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            match acceptor {
                Some(acceptor) => match acceptor.accept(tcp).await {
                    Ok(tls) => {
                        let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                    }
                    Err(_) => {
                        state.failed_handshakes.fetch_add(1, Ordering::SeqCst);
                    }
                },
                None => {
                    let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                }
            }
        });
    }
}

type Body = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

async fn handle(request: Request<Incoming>, state: &State) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let grpc = parts
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"));
    let path = parts.uri.path().to_owned();
    let (encoding, message) = if grpc {
        grpc_message(&body)
    } else {
        let encoding = parts
            .headers
            .get(http::header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let message = match encoding.as_deref() {
            Some("gzip") => gunzip(&body),
            _ => body.to_vec(),
        };
        (encoding, message)
    };
    let mut received = Received {
        grpc,
        path: path.clone(),
        headers: parts.headers.clone(),
        encoding,
        spans: Vec::new(),
        metric_names: Vec::new(),
        logs: Vec::new(),
        accepted: true,
        at: Instant::now(),
    };
    let answer = if received.is_traces() {
        received.spans = decode_spans(&message);
        state
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Answer::Accept)
    } else {
        if received.is_metrics() {
            received.metric_names = decode_metric_names(&message);
        }
        if received.is_logs() {
            received.logs = decode_logs(&message);
        }
        Answer::Accept
    };
    received.accepted = matches!(answer, Answer::Accept);
    let ok_message = if received.is_traces() {
        ExportTraceServiceResponse::default().encode_to_vec()
    } else if received.is_logs() {
        ExportLogsServiceResponse::default().encode_to_vec()
    } else {
        ExportMetricsServiceResponse::default().encode_to_vec()
    };
    state.received.lock().unwrap().push(received);
    respond(grpc, ok_message, answer)
}

/// A gRPC request body: one length-prefixed message, gzip'ed when its flag
/// says so.
fn grpc_message(body: &[u8]) -> (Option<String>, Vec<u8>) {
    if body.len() < 5 {
        return (None, Vec::new());
    }
    let compressed = body[0] == 1;
    let length = u32::from_be_bytes([body[1], body[2], body[3], body[4]]) as usize;
    let message = &body[5..5 + length.min(body.len() - 5)];
    if compressed {
        (Some("gzip".into()), gunzip(message))
    } else {
        (None, message.to_vec())
    }
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

fn decode_spans(message: &[u8]) -> Vec<ReceivedSpan> {
    let request = ExportTraceServiceRequest::decode(message).expect("an OTLP traces request");
    let mut spans = Vec::new();
    for resource_spans in request.resource_spans {
        for scope_spans in resource_spans.scope_spans {
            for span in scope_spans.spans {
                spans.push(ReceivedSpan {
                    attributes: attributes_text(&span.attributes),
                    name: span.name,
                    span_id: hex(&span.span_id),
                    trace_id: hex(&span.trace_id),
                    parent_span_id: hex(&span.parent_span_id),
                });
            }
        }
    }
    spans
}

/// Values as text: strings as they are, numbers printed.
fn attributes_text(attributes: &[KeyValue]) -> BTreeMap<String, String> {
    attributes
        .iter()
        .map(|kv| (kv.key.clone(), value_text(kv.value.as_ref())))
        .collect()
}

fn value_text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        other => format!("{other:?}"),
    }
}

fn decode_logs(message: &[u8]) -> Vec<ReceivedLog> {
    let request = ExportLogsServiceRequest::decode(message).expect("an OTLP logs request");
    let mut logs = Vec::new();
    for resource_logs in request.resource_logs {
        let service_name = resource_logs
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|kv| kv.key == "service.name")
            .map(|kv| value_text(kv.value.as_ref()))
            .unwrap_or_default();
        for scope_logs in resource_logs.scope_logs {
            let scope = scope_logs.scope.map(|s| s.name).unwrap_or_default();
            for record in scope_logs.log_records {
                logs.push(ReceivedLog {
                    body: value_text(record.body.as_ref()),
                    severity_number: record.severity_number,
                    severity_text: record.severity_text,
                    trace_id: hex(&record.trace_id),
                    span_id: hex(&record.span_id),
                    attributes: attributes_text(&record.attributes),
                    scope: scope.clone(),
                    service_name: service_name.clone(),
                });
            }
        }
    }
    logs
}

fn decode_metric_names(message: &[u8]) -> Vec<String> {
    let request = ExportMetricsServiceRequest::decode(message).expect("an OTLP metrics request");
    request
        .resource_metrics
        .iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .map(|metric| metric.name.clone())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn respond(grpc: bool, ok_message: Vec<u8>, answer: Answer) -> Response<Body> {
    if !grpc {
        let (status, retry_after, body) = match answer {
            Answer::Accept => (200, None, ok_message),
            Answer::Http(status, retry_after) => (status, retry_after, Vec::new()),
            Answer::Grpc(..) => panic!("a gRPC answer scripted for an HTTP request"),
        };
        let mut response = Response::new(Full::new(Bytes::from(body)).boxed());
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        if let Some(retry_after) = retry_after {
            response.headers_mut().insert(
                http::header::RETRY_AFTER,
                HeaderValue::from_static(retry_after),
            );
        }
        return response;
    }
    let mut trailers = HeaderMap::new();
    let body = match answer {
        Answer::Accept => {
            trailers.insert("grpc-status", HeaderValue::from_static("0"));
            let mut frame = vec![0];
            frame.extend_from_slice(&(ok_message.len() as u32).to_be_bytes());
            frame.extend_from_slice(&ok_message);
            frame
        }
        Answer::Grpc(code, delay) => {
            trailers.insert("grpc-status", HeaderValue::from(code));
            trailers.insert("grpc-message", HeaderValue::from_static("scripted"));
            if let Some(delay) = delay {
                let details = base64::engine::general_purpose::STANDARD_NO_PAD
                    .encode(retry_info_status(code, delay));
                trailers.insert(
                    "grpc-status-details-bin",
                    HeaderValue::from_str(&details).unwrap(),
                );
            }
            Vec::new()
        }
        Answer::Http(..) => panic!("an HTTP answer scripted for a gRPC request"),
    };
    let body = Full::new(Bytes::from(body))
        .with_trailers(async move { Some(Ok(trailers)) })
        .boxed();
    let mut response = Response::new(body);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    response
}

/// `google.rpc.Status` with a `RetryInfo` detail, encoded by hand: the test
/// must not share the encoder with the code it tests.
fn retry_info_status(code: i32, delay: Duration) -> Vec<u8> {
    #[derive(Clone, PartialEq, prost::Message)]
    struct RpcStatus {
        #[prost(int32, tag = "1")]
        code: i32,
        #[prost(string, tag = "2")]
        message: String,
        #[prost(message, repeated, tag = "3")]
        details: Vec<Any>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct Any {
        #[prost(string, tag = "1")]
        type_url: String,
        #[prost(bytes = "vec", tag = "2")]
        value: Vec<u8>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct RetryInfo {
        #[prost(message, optional, tag = "1")]
        retry_delay: Option<ProtoDuration>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    struct ProtoDuration {
        #[prost(int64, tag = "1")]
        seconds: i64,
        #[prost(int32, tag = "2")]
        nanos: i32,
    }
    let info = RetryInfo {
        retry_delay: Some(ProtoDuration {
            seconds: delay.as_secs() as i64,
            nanos: delay.subsec_nanos() as i32,
        }),
    };
    RpcStatus {
        code,
        message: "scripted".into(),
        details: vec![Any {
            type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
            value: info.encode_to_vec(),
        }],
    }
    .encode_to_vec()
}
