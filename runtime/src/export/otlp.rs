//! OTLP export (feature `otlp`): the span processor and the meter provider
//! an endpoint asks for, the OTLP exporters they are built on, and driving
//! the metric exporter on a runtime of its own. Everything that names
//! `opentelemetry_otlp` is here.

use std::time::Duration;

use opentelemetry_otlp::{MetricExporter, SpanExporter, WithExportConfig};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};

use super::config::{OtlpTarget, Plan};
use super::processor::{BatchConfig, BoundedSpanProcessor, ExportRuntime};
use super::{InitError, Protocol};

/// The processor exporting spans to `target`, each export bounded by the
/// batch's export timeout.
pub(super) fn span_processor(
    target: &OtlpTarget,
    batch: &BatchConfig,
) -> Result<BoundedSpanProcessor, InitError> {
    let timeout = batch.export_timeout;
    BoundedSpanProcessor::with_exporter("otlp", batch.clone(), || span_exporter(target, timeout))
        .map_err(|error| InitError::Exporter {
            signal: "traces",
            endpoint: target.endpoint.clone(),
            message: error.to_string(),
        })
}

/// The meter provider exporting to `target` every `plan.metric_interval`.
pub(super) fn meter_provider(
    target: &OtlpTarget,
    plan: &Plan,
) -> Result<SdkMeterProvider, InitError> {
    let exporter = metric_exporter(target, plan.batch.export_timeout).map_err(|message| {
        InitError::Exporter {
            signal: "metrics",
            endpoint: target.endpoint.clone(),
            message,
        }
    })?;
    let reader = PeriodicReader::builder(exporter)
        .with_interval(plan.metric_interval)
        .build();
    Ok(SdkMeterProvider::builder()
        .with_resource(plan.resource.clone())
        .with_reader(reader)
        .build())
}

/// Builds the span exporter for `target`. For gRPC this must run inside the
/// tokio runtime that will drive the exports: tonic's lazy channel spawns
/// its worker task when it is created.
fn span_exporter(
    target: &OtlpTarget,
    timeout: Duration,
) -> Result<SpanExporter, opentelemetry_otlp::ExporterBuildError> {
    let builder = SpanExporter::builder();
    match target.protocol {
        Protocol::Grpc => configured(builder.with_tonic(), target, timeout).build(),
        Protocol::HttpProtobuf => configured(builder.with_http(), target, timeout).build(),
    }
}

/// The OTLP metric exporter for `target`, with a runtime to drive it.
fn metric_exporter(target: &OtlpTarget, timeout: Duration) -> Result<DrivenMetricExporter, String> {
    let runtime = ExportRuntime::new().map_err(|e| format!("creating its runtime failed: {e}"))?;
    let exporter = {
        let _entered = runtime.enter();
        let builder = MetricExporter::builder().with_temporality(Temporality::Cumulative);
        match target.protocol {
            Protocol::Grpc => configured(builder.with_tonic(), target, timeout).build(),
            Protocol::HttpProtobuf => configured(builder.with_http(), target, timeout).build(),
        }
        .map_err(|e| e.to_string())?
    };
    Ok(DrivenMetricExporter {
        inner: exporter,
        runtime,
        timeout,
    })
}

/// What the span and metric exporters are configured with alike: the
/// endpoint, the timeout, and for http/protobuf the binary encoding.
fn configured<B: WithExportConfig>(builder: B, target: &OtlpTarget, timeout: Duration) -> B {
    let builder = builder
        .with_endpoint(target.endpoint.clone())
        .with_timeout(timeout);
    match target.protocol {
        Protocol::HttpProtobuf => builder.with_protocol(opentelemetry_otlp::Protocol::HttpBinary),
        Protocol::Grpc => builder,
    }
}

/// A metric exporter that runs each export to completion on its own
/// current-thread runtime.
///
/// The SDK's `PeriodicReader` calls `export` on its own thread and polls the
/// future with a plain executor, where tonic and hyper find no reactor. This
/// wrapper runs the real export with `block_on` on a runtime that has one,
/// bounded by the export timeout, and hands back a ready future.
struct DrivenMetricExporter {
    inner: MetricExporter,
    runtime: ExportRuntime,
    timeout: Duration,
}

impl std::fmt::Debug for DrivenMetricExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DrivenMetricExporter")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl PushMetricExporter for DrivenMetricExporter {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let result = if tokio::runtime::Handle::try_current().is_ok() {
            // block_on would panic here; the periodic reader never calls
            // from an async context, so this is only a safety net.
            Err(OTelSdkError::InternalFailure(
                "metric export called from an async context".into(),
            ))
        } else {
            let timeout = self.timeout;
            self.runtime.block_on(async {
                match tokio::time::timeout(timeout, self.inner.export(metrics)).await {
                    Ok(result) => result,
                    Err(_) => Err(OTelSdkError::Timeout(timeout)),
                }
            })
        };
        std::future::ready(result)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}
