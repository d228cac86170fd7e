//! [`Request`]: one OTLP export request, of any signal, as the exporters
//! make it and both transports send it (gRPC as the message, HTTP as its
//! protobuf encoding).

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message as _;

/// One export request, of any signal.
pub(super) enum Request {
    Traces(ExportTraceServiceRequest),
    Metrics(ExportMetricsServiceRequest),
    #[cfg(feature = "tracing")]
    Logs(opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest),
}

impl Request {
    /// The protobuf body of an OTLP/HTTP request.
    pub(super) fn encode(&self) -> Vec<u8> {
        match self {
            Request::Traces(request) => request.encode_to_vec(),
            Request::Metrics(request) => request.encode_to_vec(),
            #[cfg(feature = "tracing")]
            Request::Logs(request) => request.encode_to_vec(),
        }
    }
}
