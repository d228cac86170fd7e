//! OTLP/gRPC: the generated OTLP clients (opentelemetry-proto) on a tonic
//! channel that dials through our [`Connector`], so TLS is ours too; the
//! headers travel as metadata, gzip as gRPC message compression, and
//! retries follow the specification's gRPC codes and `RetryInfo`.

use std::time::Duration;

use http::{HeaderMap, Uri};
#[cfg(feature = "tracing")]
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use prost::Message as _;
use tokio::time::Instant;
use tonic::codec::CompressionEncoding;
use tonic::metadata::MetadataMap;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

use super::super::config::OtlpTarget;
use super::super::{Compression, InitError};
use super::connect::{Alpn, Connector, transport_failure};
use super::request::Request;
use super::retry::{Failure, Retry, with_retries};

/// One export, with retries, through a generated OTLP client: the trace,
/// metrics and logs services differ only by their client type, which share
/// no trait.
macro_rules! export_through {
    ($sender:ident, $client:ident, $request:ident, $deadline:ident) => {
        with_retries($deadline, || async {
            let mut client = $client::new($sender.channel.clone());
            if let Some(encoding) = $sender.compression() {
                client = client.send_compressed(encoding);
            }
            client
                .export($sender.request($request.clone()))
                .await
                .map(drop)
                .map_err(|status| status_failure(&status))
        })
        .await
    };
}

/// Sends OTLP/gRPC requests to one collector.
pub(super) struct GrpcSender {
    channel: Channel,
    metadata: MetadataMap,
    gzip: bool,
}

impl GrpcSender {
    /// Must be called inside the tokio runtime that drives the exports:
    /// the lazy channel spawns its worker task there.
    pub(super) fn new(target: &OtlpTarget) -> Result<GrpcSender, InitError> {
        let failed = |message: String| InitError::Exporter {
            signal: "OTLP",
            endpoint: target.endpoint.clone(),
            message,
        };
        let connector = match &target.tls {
            Some(files) => Connector::tls(files, Alpn::H2)?,
            None => Connector::plain(),
        };
        let origin = target
            .endpoint
            .parse::<Uri>()
            .map_err(|e| failed(e.to_string()))?;
        let authority = origin.authority().ok_or_else(|| failed("no host".into()))?;
        // tonic dials an http:// URI through our connector, which does the
        // TLS; requests still carry the real scheme and authority.
        let channel = Endpoint::from_shared(format!("http://{authority}"))
            .and_then(|endpoint| endpoint.user_agent(super::USER_AGENT))
            .map_err(|e| failed(e.to_string()))?
            .origin(origin)
            .connect_with_connector_lazy(connector);
        let mut headers = HeaderMap::new();
        for (name, value) in target.headers.iter() {
            headers.insert(name.clone(), value.clone());
        }
        Ok(GrpcSender {
            channel,
            metadata: MetadataMap::from_headers(headers),
            gzip: target.compression == Compression::Gzip,
        })
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        *request.metadata_mut() = self.metadata.clone();
        request
    }

    fn compression(&self) -> Option<CompressionEncoding> {
        self.gzip.then_some(CompressionEncoding::Gzip)
    }

    /// Sends `request` to its signal's service, with retries until
    /// `deadline`.
    pub(super) async fn export(&self, request: Request, deadline: Instant) -> Result<(), String> {
        match request {
            Request::Traces(request) => {
                export_through!(self, TraceServiceClient, request, deadline)
            }
            Request::Metrics(request) => {
                export_through!(self, MetricsServiceClient, request, deadline)
            }
            #[cfg(feature = "tracing")]
            Request::Logs(request) => {
                export_through!(self, LogsServiceClient, request, deadline)
            }
        }
    }
}

/// What a gRPC status other than OK means. The status message is not shown:
/// a server may echo the request's metadata in it.
pub(super) fn status_failure(status: &Status) -> Failure {
    // tonic reports a failed connection as UNAVAILABLE with the cause as
    // its source; the cause says more, and whether to retry.
    if let Some(source) = std::error::Error::source(status) {
        return transport_failure(source);
    }
    let delay = retry_delay(status.details());
    let retry = match status.code() {
        // The codes the specification calls retryable.
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => delay.map_or(Retry::Backoff, Retry::After),
        // Retryable only when the server says when it can take more.
        Code::ResourceExhausted => delay.map_or(Retry::No, Retry::After),
        _ => Retry::No,
    };
    let hint = match status.code() {
        Code::Unauthenticated | Code::PermissionDenied => {
            " (check the API key or token in OTEL_EXPORTER_OTLP_HEADERS)"
        }
        _ => "",
    };
    Failure {
        message: format!(
            "the collector answered gRPC status {:?}{hint}",
            status.code()
        ),
        retry,
    }
}

/// `google.rpc.Status`, as far as `RetryInfo` needs it.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(message, repeated, tag = "3")]
    details: Vec<Any>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
struct Any {
    #[prost(string, tag = "1")]
    type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, prost::Message)]
struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, prost::Message)]
struct ProtoDuration {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

const RETRY_INFO: &str = "type.googleapis.com/google.rpc.RetryInfo";

/// The delay a `RetryInfo` in the status details (`grpc-status-details-bin`)
/// asks for, if there is one.
fn retry_delay(details: &[u8]) -> Option<Duration> {
    let status = RpcStatus::decode(details).ok()?;
    let info = status
        .details
        .iter()
        .find(|any| any.type_url == RETRY_INFO)?;
    let delay = RetryInfo::decode(&info.value[..]).ok()?.retry_delay?;
    let seconds = u64::try_from(delay.seconds).ok()?;
    let nanos = u32::try_from(delay.nanos).ok()?;
    Some(Duration::new(seconds, nanos))
}

/// The `grpc-status-details-bin` value of a status asking for a retry after
/// `delay`; the test receiver sends it.
#[cfg(test)]
pub(super) fn retry_info_details(delay: Duration) -> Vec<u8> {
    let info = RetryInfo {
        retry_delay: Some(ProtoDuration {
            seconds: delay.as_secs() as i64,
            nanos: delay.subsec_nanos() as i32,
        }),
    };
    RpcStatus {
        details: vec![Any {
            type_url: RETRY_INFO.into(),
            value: info.encode_to_vec(),
        }],
    }
    .encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_codes_and_retry_info() {
        let second = Duration::from_secs(1);
        let with_delay =
            |code| Status::with_details(code, "busy", retry_info_details(second).into());
        for code in [
            Code::Cancelled,
            Code::DeadlineExceeded,
            Code::Aborted,
            Code::OutOfRange,
            Code::Unavailable,
            Code::DataLoss,
        ] {
            assert_eq!(
                status_failure(&Status::new(code, "x")).retry,
                Retry::Backoff,
                "{code:?}"
            );
            assert_eq!(
                status_failure(&with_delay(code)).retry,
                Retry::After(second),
                "{code:?}"
            );
        }
        assert_eq!(
            status_failure(&Status::resource_exhausted("full")).retry,
            Retry::No
        );
        assert_eq!(
            status_failure(&with_delay(Code::ResourceExhausted)).retry,
            Retry::After(second)
        );
        for code in [
            Code::Unknown,
            Code::InvalidArgument,
            Code::NotFound,
            Code::PermissionDenied,
            Code::Unauthenticated,
            Code::Internal,
            Code::Unimplemented,
        ] {
            assert_eq!(
                status_failure(&with_delay(code)).retry,
                Retry::No,
                "{code:?}"
            );
        }
        let message = status_failure(&Status::unauthenticated("bad key s3cr3t")).message;
        assert!(!message.contains("s3cr3t"), "{message}");
        assert!(message.contains("Unauthenticated"), "{message}");
    }
}
