//! The metrics side of the terminal: `OTEL_METRICS_EXPORTER=console` prints
//! each collection's data points to stderr, one line per point, so a
//! developer sees handler counts and durations without a backend.
//!
//! ```text
//! metrics · 2 points
//!   tracewire.handler.calls {handler="room.join", outcome="ok"} 3 {call}
//!   tracewire.handler.duration {handler="room.join", outcome="ok"} count=3 sum=0.0152 min=0.0031 max=0.0074 s
//! ```

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::Mutex;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;

/// Prints metrics as lines of text.
pub(crate) struct TerminalMetricExporter {
    output: Mutex<Box<dyn Write + Send>>,
    temporality: Temporality,
}

impl std::fmt::Debug for TerminalMetricExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalMetricExporter")
            .field("temporality", &self.temporality)
            .finish_non_exhaustive()
    }
}

impl TerminalMetricExporter {
    pub(crate) fn stderr(temporality: Temporality) -> Self {
        Self::with_writer(io::stderr(), temporality)
    }

    pub(crate) fn with_writer(
        writer: impl Write + Send + 'static,
        temporality: Temporality,
    ) -> Self {
        TerminalMetricExporter {
            output: Mutex::new(Box::new(writer)),
            temporality,
        }
    }
}

impl PushMetricExporter for TerminalMetricExporter {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let text = render(metrics);
        if !text.is_empty() {
            let mut output = self.output.lock().unwrap_or_else(|e| e.into_inner());
            // A closed stderr never fails an export.
            let _ = output.write_all(text.as_bytes());
            let _ = output.flush();
        }
        std::future::ready(Ok(()))
    }

    fn force_flush(&self) -> OTelSdkResult {
        let _ = self
            .output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .flush();
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.force_flush()
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}

/// One header line and one line per data point; nothing without points.
fn render(metrics: &ResourceMetrics) -> String {
    let mut lines = Vec::new();
    for scope in metrics.scope_metrics() {
        for metric in scope.metrics() {
            let unit = match metric.unit() {
                "" => String::new(),
                unit => format!(" {unit}"),
            };
            match metric.data() {
                AggregatedMetrics::F64(data) => points(&mut lines, metric.name(), &unit, data),
                AggregatedMetrics::I64(data) => points(&mut lines, metric.name(), &unit, data),
                AggregatedMetrics::U64(data) => points(&mut lines, metric.name(), &unit, data),
            }
        }
    }
    if lines.is_empty() {
        return String::new();
    }
    let mut text = format!("metrics · {} points\n", lines.len());
    for line in lines {
        let _ = writeln!(text, "  {line}");
    }
    text
}

fn points<T: Copy + std::fmt::Display>(
    lines: &mut Vec<String>,
    name: &str,
    unit: &str,
    data: &MetricData<T>,
) {
    match data {
        MetricData::Gauge(gauge) => {
            for point in gauge.data_points() {
                let labels = labels(point.attributes());
                lines.push(format!("{name} {labels}{}{unit}", point.value()));
            }
        }
        MetricData::Sum(sum) => {
            for point in sum.data_points() {
                let labels = labels(point.attributes());
                lines.push(format!("{name} {labels}{}{unit}", point.value()));
            }
        }
        MetricData::Histogram(histogram) => {
            for point in histogram.data_points() {
                let labels = labels(point.attributes());
                let mut line =
                    format!("{name} {labels}count={} sum={}", point.count(), point.sum());
                if let (Some(min), Some(max)) = (point.min(), point.max()) {
                    let _ = write!(line, " min={min} max={max}");
                }
                line.push_str(unit);
                lines.push(line);
            }
        }
        MetricData::ExponentialHistogram(histogram) => {
            for point in histogram.data_points() {
                let labels = labels(point.attributes());
                lines.push(format!("{name} {labels}count={}{unit}", point.count()));
            }
        }
    }
}

/// `{key="value", n=1} `, or nothing for a point without attributes;
/// control characters escaped as in the trace trees.
fn labels<'a>(attributes: impl Iterator<Item = &'a KeyValue>) -> String {
    let mut pairs: Vec<String> = attributes
        .map(|kv| match &kv.value {
            opentelemetry::Value::String(value) => format!("{}={:?}", kv.key, value.as_str()),
            value => format!("{}={}", kv.key, value).escape_default().to_string(),
        })
        .collect();
    if pairs.is_empty() {
        return String::new();
    }
    pairs.sort_unstable();
    format!("{{{}}} ", pairs.join(", "))
}

#[cfg(test)]
mod tests {

    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};

    use super::*;
    use crate::export::terminal::test_trace::Captured;

    #[test]
    fn each_point_is_a_line() {
        let captured = Captured::default();
        let exporter =
            TerminalMetricExporter::with_writer(captured.clone(), Temporality::Cumulative);
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter).build())
            .build();
        let meter = provider.meter("test");
        let calls = meter.u64_counter("calls").build();
        calls.add(2, &[KeyValue::new("handler", "room.join")]);
        calls.add(1, &[KeyValue::new("handler", "room\n.leave")]);
        let duration = meter.f64_histogram("duration").with_unit("ms").build();
        duration.record(1.5, &[]);
        duration.record(0.5, &[]);
        provider.shutdown().unwrap();

        let text = captured.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "metrics · 3 points", "{text}");
        assert!(
            lines.contains(&"  calls {handler=\"room.join\"} 2"),
            "{text}"
        );
        assert!(
            lines.contains(&"  calls {handler=\"room\\n.leave\"} 1"),
            "{text}"
        );
        assert!(
            lines.contains(&"  duration count=2 sum=2 min=0.5 max=1.5 ms"),
            "{text}"
        );
    }
}
