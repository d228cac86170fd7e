//! The processor's behaviour end to end: bounded memory, flush, shutdown,
//! and ended direct-path spans through an intake.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry::trace::{SpanContext, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};

use super::{BatchConfig, BoundedSpanProcessor};
use crate::span::direct::SpanContents;

/// Keeps every exported span.
#[derive(Clone, Debug, Default)]
struct Collect(Arc<Mutex<Vec<SpanData>>>);

impl Collect {
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

impl SpanExporter for Collect {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.0.lock().unwrap().extend(batch);
        std::future::ready(Ok(()))
    }
}

/// An exporter whose exports never finish.
#[derive(Debug)]
struct Stuck;

impl SpanExporter for Stuck {
    fn export(&self, _batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        std::future::pending()
    }
}

fn provider(processor: BoundedSpanProcessor) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_span_processor(processor)
        .build()
}

#[test]
fn a_stuck_exporter_holds_at_most_the_queue_size_and_the_rest_is_dropped() {
    let config = BatchConfig {
        queue_size: 64,
        max_export_batch_size: 8,
        schedule_delay: Duration::from_millis(1),
        export_timeout: Duration::from_secs(30),
    };
    let processor = BoundedSpanProcessor::new(Stuck, config).unwrap();
    let stats = processor.stats();
    let provider = provider(processor);
    let tracer = provider.tracer("test");
    for _ in 0..1_000 {
        tracer.in_span("work", |_| {});
    }
    // The first batch is stuck in export and holds its slots: exactly
    // 64 spans were admitted, whatever the worker got round to.
    assert_eq!(stats.dropped_spans(), 1_000 - 64);
    assert_eq!(stats.held_spans(), 64);
    assert_eq!(stats.exported_spans(), 0);
    let started = Instant::now();
    let result = provider.shutdown_with_timeout(Duration::from_millis(200));
    assert!(result.is_err(), "a stuck export can't shut down cleanly");
    assert!(started.elapsed() < Duration::from_secs(10), "shutdown hung");
}

#[test]
fn flush_delivers_everything_that_ended_before_it() {
    let exporter = Collect::default();
    let config = BatchConfig {
        max_export_batch_size: 7,
        schedule_delay: Duration::from_secs(3600),
        ..BatchConfig::default()
    };
    let processor = BoundedSpanProcessor::new(exporter.clone(), config).unwrap();
    let stats = processor.stats();
    let provider = provider(processor);
    let tracer = provider.tracer("test");
    for _ in 0..100 {
        tracer.in_span("work", |_| {});
    }
    provider.force_flush().unwrap();
    assert_eq!(exporter.len(), 100);
    assert_eq!(stats.exported_spans(), 100);
    assert_eq!(stats.held_spans(), 0);
    provider.shutdown().unwrap();
}

#[test]
fn shutdown_exports_what_is_queued() {
    let exporter = Collect::default();
    let config = BatchConfig {
        schedule_delay: Duration::from_secs(3600),
        ..BatchConfig::default()
    };
    let processor = BoundedSpanProcessor::new(exporter.clone(), config).unwrap();
    let provider = provider(processor);
    let tracer = provider.tracer("test");
    for _ in 0..10 {
        tracer.in_span("work", |_| {});
    }
    provider.shutdown().unwrap();
    assert_eq!(exporter.len(), 10);
}

/// An ended direct-path span with span id `id`, sampled.
fn ended(id: u64) -> (SpanContext, SpanContents) {
    use opentelemetry::trace::{SpanId, SpanKind, TraceFlags, TraceId, TraceState};
    let span_context = SpanContext::new(
        TraceId::from(1),
        SpanId::from(id),
        TraceFlags::SAMPLED,
        false,
        TraceState::default(),
    );
    let data = SpanContents {
        parent_span_id: SpanId::INVALID,
        start: std::time::SystemTime::now(),
        end: std::time::SystemTime::now(),
        name: "ended",
        attributes: Vec::new(),
        dropped_attributes: 0,
        kind: SpanKind::Internal,
        parent_is_remote: false,
        rare: None,
    };
    (span_context, data)
}

#[test]
fn ended_spans_beyond_a_chunk_are_all_delivered_in_order() {
    let exporter = Collect::default();
    let config = BatchConfig {
        max_export_batch_size: 7,
        schedule_delay: Duration::from_secs(3600),
        ..BatchConfig::default()
    };
    let processor = BoundedSpanProcessor::new(exporter.clone(), config).unwrap();
    let stats = processor.stats();
    let intake = processor.intake();
    let provider = provider(processor);
    // Several chunks' worth, twice: the second round reuses the chunks
    // the export thread handed back.
    for round in 0..2u64 {
        for id in 1..=50 {
            let (span_context, data) = ended(round * 100 + id);
            intake.push(&span_context, data);
        }
        provider.force_flush().unwrap();
    }
    let ids: Vec<u64> = exporter
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|span| u64::from_be_bytes(span.span_context.span_id().to_bytes()))
        .collect();
    let expected: Vec<u64> = (1..=50).chain(101..=150).collect();
    assert_eq!(ids, expected);
    assert_eq!(stats.exported_spans(), 100);
    assert_eq!(stats.dropped_spans(), 0);
    assert_eq!(stats.held_spans(), 0);
    provider.shutdown().unwrap();
}

#[test]
fn ended_spans_past_the_capacity_are_dropped_and_counted() {
    let config = BatchConfig {
        queue_size: 20,
        max_export_batch_size: 3,
        schedule_delay: Duration::from_millis(1),
        export_timeout: Duration::from_secs(30),
    };
    let processor = BoundedSpanProcessor::new(Stuck, config).unwrap();
    let stats = processor.stats();
    let intake = processor.intake();
    for id in 1..=100 {
        let (span_context, data) = ended(id);
        intake.push(&span_context, data);
    }
    assert_eq!(stats.held_spans(), 20);
    assert_eq!(stats.dropped_spans(), 80);
    let provider = provider(processor);
    assert!(
        provider
            .shutdown_with_timeout(Duration::from_millis(200))
            .is_err()
    );
}

#[test]
fn unsampled_spans_are_not_queued() {
    let exporter = Collect::default();
    let processor = BoundedSpanProcessor::new(exporter.clone(), BatchConfig::default()).unwrap();
    let stats = processor.stats();
    let provider = SdkTracerProvider::builder()
        .with_sampler(opentelemetry_sdk::trace::Sampler::AlwaysOff)
        .with_span_processor(processor)
        .build();
    provider.tracer("test").in_span("work", |_| {});
    provider.shutdown().unwrap();
    assert_eq!(stats.exported_spans() + stats.dropped_spans(), 0);
}
