//! What a burst of handler spans costs the export queue, on tracewire's
//! direct path (what `init()` installs) and on the SDK path (a provider the
//! user installs), both through a [`BoundedSpanProcessor`].
//!
//! ```text
//! burst queued records|sdk      # bytes per queued span
//! burst burst  records|sdk      # 1,000,000 spans into the default queue
//! ```
//!
//! - `queued`: a queue of 1,000,000 spans whose exporter holds its first
//!   batch until released, 1,000,000 sampled handler calls, then the growth
//!   of `VmRSS` divided by the spans held: the bytes one queued span costs.
//!   Then the exporter is released and the time until the queue is empty
//!   is the time to drain.
//! - `burst`: the default queue (2,048 spans, batches of 512) and an
//!   exporter that drops each batch at once; 1,000,000 sampled handler calls
//!   back to back: spans dropped (exact, from the processor's counts), time
//!   to drain what was queued, and the peak RSS (`VmHWM`).
//!
//! Each mode is one process, so that peak RSS is its own.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SpanData, SpanExporter};
use tracewire::export::{BatchConfig, BoundedSpanProcessor, HandlerPipeline};
use tracewire::sampling::HandlerSampler;

const SPANS: u64 = 1_000_000;

/// Released: exports return at once. Held: the first export waits.
static RELEASED: AtomicBool = AtomicBool::new(true);
static EXPORTED: AtomicU64 = AtomicU64::new(0);

#[derive(Debug)]
struct Gate;

impl SpanExporter for Gate {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        while !RELEASED.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(1));
        }
        EXPORTED.fetch_add(batch.len() as u64, Ordering::Relaxed);
        drop(batch);
        std::future::ready(Ok(()))
    }
}

#[tracewire::traced(name = "burst.handler")]
#[inline(never)]
fn handler(n: u64) -> u64 {
    n.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A line of `/proc/self/status`, in kB.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}

fn install(
    path: &str,
    config: BatchConfig,
) -> (SdkTracerProvider, tracewire::export::ProcessorStats) {
    let processor = BoundedSpanProcessor::new(Gate, config).expect("an export thread");
    let stats = processor.stats();
    let sampler = HandlerSampler::new(Sampler::AlwaysOn);
    let provider = match path {
        "records" => {
            let pipeline = HandlerPipeline::new(sampler, vec![processor]);
            pipeline.install();
            pipeline.provider().clone()
        }
        "sdk" => {
            let provider = SdkTracerProvider::builder()
                .with_sampler(sampler)
                .with_span_processor(processor)
                .build();
            tracewire::export::set_handler_sampled_tracer_provider(provider.clone());
            provider
        }
        other => panic!("the path is records or sdk, not {other:?}"),
    };
    (provider, stats)
}

/// Waits until the processor holds nothing; how long that took.
fn drain(provider: &SdkTracerProvider, stats: &tracewire::export::ProcessorStats) -> Duration {
    let started = Instant::now();
    provider.force_flush().expect("a flush");
    while stats.held_spans() > 0 {
        std::thread::sleep(Duration::from_micros(100));
    }
    started.elapsed()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [mode, path] = args.as_slice() else {
        eprintln!("usage: burst queued|burst records|sdk");
        return;
    };
    match mode.as_str() {
        "queued" => {
            RELEASED.store(false, Ordering::Release);
            let config = BatchConfig {
                queue_size: SPANS as usize,
                schedule_delay: Duration::from_secs(3600),
                ..BatchConfig::default()
            };
            let (provider, stats) = install(path, config);
            // Warm: thread-locals, the first buffers.
            handler(0);
            let before = status_kb("VmRSS:");
            for n in 1..SPANS {
                std::hint::black_box(handler(n));
            }
            let after = status_kb("VmRSS:");
            let held = stats.held_spans() as u64;
            println!(
                "{path}: {held} spans held, {:.0} bytes per queued span (VmRSS {before} -> {after} kB), dropped {}",
                (after.saturating_sub(before) * 1024) as f64 / held as f64,
                stats.dropped_spans()
            );
            RELEASED.store(true, Ordering::Release);
            let drained = drain(&provider, &stats);
            println!(
                "{path}: drained {} spans in {:.0} ms",
                EXPORTED.load(Ordering::Relaxed),
                drained.as_secs_f64() * 1e3
            );
            let _ = provider.shutdown();
        }
        "burst" => {
            let (provider, stats) = install(path, BatchConfig::default());
            let started = Instant::now();
            for n in 0..SPANS {
                std::hint::black_box(handler(n));
            }
            let produced = started.elapsed();
            let drained = drain(&provider, &stats);
            println!(
                "{path}: {SPANS} spans in {:.0} ms ({:.0} ns/span), dropped {}, exported {}, drained in {:.1} ms after the burst, peak RSS {} kB",
                produced.as_secs_f64() * 1e3,
                produced.as_nanos() as f64 / SPANS as f64,
                stats.dropped_spans(),
                EXPORTED.load(Ordering::Relaxed),
                drained.as_secs_f64() * 1e3,
                status_kb("VmHWM:")
            );
            assert_eq!(
                stats.dropped_spans() + EXPORTED.load(Ordering::Relaxed),
                SPANS,
                "every span is either exported or counted as dropped"
            );
            let _ = provider.shutdown();
        }
        other => eprintln!("mode is queued or burst, not {other:?}"),
    }
}
