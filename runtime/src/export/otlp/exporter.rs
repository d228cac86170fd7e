//! The OTLP span and metric exporters: each encodes its data as an OTLP
//! export [`Request`] (opentelemetry-proto's conversions) and hands it to
//! the [`Transport`] its target names; and the pipelines built on them. The log
//! exporter (`logs`) sends its requests through the same [`Transport`] and
//! [`BlockingExport`].

use std::time::Duration;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, Temporality};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use tokio::time::Instant;

use super::super::config::{OtlpTarget, Plan};
use super::super::processor::{BatchConfig, BoundedSpanProcessor, ExportRuntime, StartError};
use super::super::{InitError, Protocol};
use super::grpc::GrpcSender;
use super::http::HttpSender;
use super::request::Request;

/// How one target's requests travel.
pub(super) enum Transport {
    // Boxed: the hyper client is several times the size of a tonic channel.
    Http(Box<HttpSender>),
    Grpc(GrpcSender),
}

impl Transport {
    /// For gRPC, must be called inside the runtime that drives the exports.
    fn new(target: &OtlpTarget) -> Result<Transport, InitError> {
        Ok(match target.protocol {
            Protocol::HttpProtobuf => Transport::Http(Box::new(HttpSender::new(target)?)),
            Protocol::Grpc => Transport::Grpc(GrpcSender::new(target)?),
        })
    }

    /// Sends `request`, with retries until `deadline`.
    async fn send(&self, request: Request, deadline: Instant) -> Result<(), String> {
        match self {
            Transport::Http(sender) => sender.send(request.encode(), deadline).await,
            Transport::Grpc(sender) => sender.export(request, deadline).await,
        }
    }
}

/// The export's own deadline, a little inside the timeout that the
/// processor puts around the whole export: so the export's message (what
/// the collector answered, how often it was tried) is what gets reported,
/// not a bare "timed out".
fn deadline(timeout: Duration) -> Instant {
    Instant::now() + timeout.saturating_sub((timeout / 20).min(Duration::from_millis(100)))
}

/// Exports spans over OTLP to one target.
struct OtlpSpanExporter {
    transport: Transport,
    endpoint: String,
    timeout: Duration,
    resource: ResourceAttributesWithSchema,
}

impl std::fmt::Debug for OtlpSpanExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtlpSpanExporter")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl SpanExporter for OtlpSpanExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
        };
        self.transport
            .send(Request::Traces(request), deadline(self.timeout))
            .await
            .map_err(|message| {
                OTelSdkError::InternalFailure(format!(
                    "traces export to {} failed: {message}",
                    self.endpoint
                ))
            })
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

/// The processor exporting spans to `target`, string attribute values cut
/// at `value_length` characters.
pub(in super::super) fn span_processor(
    target: &OtlpTarget,
    batch: &BatchConfig,
    value_length: Option<usize>,
) -> Result<BoundedSpanProcessor, InitError> {
    let build = || {
        Transport::new(target).map(|transport| OtlpSpanExporter {
            transport,
            endpoint: target.endpoint.clone(),
            timeout: target.timeout,
            resource: ResourceAttributesWithSchema::default(),
        })
    };
    BoundedSpanProcessor::start("otlp", batch.clone(), value_length, build).map_err(|error| {
        match error {
            StartError::Exporter(error) => error,
            StartError::Io(error) => InitError::Exporter {
                signal: "traces",
                endpoint: target.endpoint.clone(),
                message: format!("starting the export thread failed: {error}"),
            },
        }
    })
}

/// Runs each export to completion on a current-thread runtime of its own,
/// for the SDK pipelines that poll `export` futures with a plain executor on
/// a thread of theirs, where tonic and hyper find no reactor: the metric
/// `PeriodicReader` and the `BatchLogProcessor`. The real export runs with
/// `block_on` on a runtime that has one, bounded by the export timeout, and
/// a ready future is handed back.
pub(super) struct BlockingExport {
    transport: Transport,
    runtime: ExportRuntime,
    /// `metrics` or `logs`, for messages.
    signal: &'static str,
    endpoint: String,
    timeout: Duration,
}

impl BlockingExport {
    pub(super) fn new(target: &OtlpTarget, signal: &'static str) -> Result<Self, InitError> {
        let runtime = ExportRuntime::new().map_err(|e| InitError::Exporter {
            signal,
            endpoint: target.endpoint.clone(),
            message: format!("creating its runtime failed: {e}"),
        })?;
        let transport = {
            let _entered = runtime.enter();
            Transport::new(target)?
        };
        Ok(BlockingExport {
            transport,
            runtime,
            signal,
            endpoint: target.endpoint.clone(),
            timeout: target.timeout,
        })
    }

    /// Sends the request `encode` builds, to completion.
    pub(super) fn export(
        &self,
        encode: impl FnOnce() -> Request,
    ) -> std::future::Ready<OTelSdkResult> {
        let result = if tokio::runtime::Handle::try_current().is_ok() {
            // block_on would panic here; the SDK's pipelines never call
            // from an async context, so this is only a safety net.
            Err(OTelSdkError::InternalFailure(format!(
                "{} export called from an async context",
                self.signal
            )))
        } else {
            let request = encode();
            self.runtime.block_on(async {
                self.transport
                    .send(request, deadline(self.timeout))
                    .await
                    .map_err(|message| {
                        OTelSdkError::InternalFailure(format!(
                            "{} export to {} failed: {message}",
                            self.signal, self.endpoint
                        ))
                    })
            })
        };
        std::future::ready(result)
    }
}

impl std::fmt::Debug for BlockingExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingExport")
            .field("signal", &self.signal)
            .field("endpoint", &self.endpoint)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Exports metrics over OTLP to one target.
#[derive(Debug)]
struct OtlpMetricExporter {
    export: BlockingExport,
    temporality: Temporality,
}

impl PushMetricExporter for OtlpMetricExporter {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        self.export
            .export(|| Request::Metrics(ExportMetricsServiceRequest::from(metrics)))
    }

    fn force_flush(&self) -> OTelSdkResult {
        // Every export runs to completion before `export` returns.
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}

/// The reader exporting metrics to `target` every `plan.metric_interval`.
pub(in super::super) fn metric_reader(
    target: &OtlpTarget,
    plan: &Plan,
) -> Result<PeriodicReader<impl PushMetricExporter>, InitError> {
    let exporter = OtlpMetricExporter {
        export: BlockingExport::new(target, "metrics")?,
        temporality: plan.metric_temporality,
    };
    Ok(PeriodicReader::builder(exporter)
        .with_interval(plan.metric_interval)
        .build())
}
