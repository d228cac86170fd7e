//! The OTLP log exporter (features `otlp` and `tracing`): the `tracing`
//! bridge's log records as OTLP export requests, and the logger provider
//! that batches them.

use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::logs::tonic::group_logs_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{
    BatchConfigBuilder, BatchLogProcessor, LogBatch, LogExporter, SdkLoggerProvider,
};

use super::super::InitError;
use super::super::config::{OtlpTarget, Plan};
use super::exporter::BlockingExport;
use super::request::Request;

/// Exports log records over OTLP to one target.
#[derive(Debug)]
struct OtlpLogExporter {
    export: BlockingExport,
    resource: ResourceAttributesWithSchema,
}

impl LogExporter for OtlpLogExporter {
    fn export(
        &self,
        batch: LogBatch<'_>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        self.export.export(|| {
            Request::Logs(ExportLogsServiceRequest {
                resource_logs: group_logs_by_resource_and_scope(&batch, &self.resource),
            })
        })
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

/// The logger provider exporting log records to `target` in batches, for
/// the `tracing` bridge: the plan's resource, the SDK's batch processor on
/// a thread of its own, each export on the shared transport (TLS, headers,
/// gzip, retries, the export timeout). The batch limits are the SDK's
/// defaults (2048 records queued, 512 a batch, every second), set here so
/// the SDK does not read `OTEL_BLRP_*` from the process environment behind
/// the builder's back.
pub(in super::super) fn logger_provider(
    target: &OtlpTarget,
    plan: &Plan,
) -> Result<SdkLoggerProvider, InitError> {
    let exporter = OtlpLogExporter {
        export: BlockingExport::new(target, "logs")?,
        resource: ResourceAttributesWithSchema::default(),
    };
    let config = BatchConfigBuilder::default()
        .with_max_queue_size(2048)
        .with_max_export_batch_size(512)
        .with_scheduled_delay(Duration::from_secs(1))
        .build();
    let processor = BatchLogProcessor::builder(exporter)
        .with_batch_config(config)
        .build();
    Ok(SdkLoggerProvider::builder()
        .with_resource(plan.resource.clone())
        .with_log_processor(processor)
        .build())
}
