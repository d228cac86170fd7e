//! A collector that hangs must not hurt the application: handlers never wait
//! on export, the export queue holds a fixed number of spans, and what is
//! dropped is counted and reported. (Export resuming once a collector comes
//! up is in `otlp.rs`, which has the collector.)

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tracewire::Telemetry;
use tracewire::export::Protocol;
use tracewire::prelude::*;

use crate::export_support::{BlackHole, run_child, serial};

#[derive(Debug)]
struct Rejected;

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rejected")
    }
}

struct Room {
    handled: AtomicU64,
}

#[traced_channel(topic = "room:*")]
impl Room {
    #[event("message:new")]
    async fn new_message(&self, body: String) -> Result<(), Rejected> {
        self.store(body.len()).await?;
        self.handled.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn store(&self, len: usize) -> Result<(), Rejected> {
        if len > 1_000 { Err(Rejected) } else { Ok(()) }
    }
}

const CALLS: u64 = 10_000;

/// A hang detector, not a performance target: export to a collector that
/// never answers must not stall handlers, so the calls finish long before.
const HANG_GUARD: Duration = Duration::from_secs(60);

#[test]
fn handlers_never_block_on_a_collector_that_never_answers() {
    let _serial = serial();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(never_block());
}

async fn never_block() {
    let black_hole = BlackHole::start();
    for protocol in [Protocol::HttpProtobuf, Protocol::Grpc] {
        let mut guard = Telemetry::builder()
            .env_vars([("TRACEWIRE_TERMINAL", "off")])
            .endpoint(black_hole.endpoint())
            .protocol(protocol)
            .export_timeout(Duration::from_secs(1))
            .schedule_delay(Duration::from_millis(10))
            .install()
            .expect("install");
        let room = Room {
            handled: AtomicU64::new(0),
        };
        tokio::time::timeout(HANG_GUARD, async {
            for i in 0..CALLS {
                room.new_message(format!("message {i}")).await.unwrap();
                assert!(
                    guard.queued_spans() <= 2048,
                    "{protocol:?}: queue over its bound"
                );
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{protocol:?}: handlers hung behind a silent collector"));
        assert_eq!(room.handled.load(Ordering::Relaxed), CALLS);

        // Two spans per call, and nothing was ever exported: the queue
        // (2048 by default) filled and the rest was dropped and counted.
        assert_eq!(guard.exported_spans(), 0, "{protocol:?}");
        assert!(
            guard.dropped_spans() > 0,
            "{protocol:?}: nothing was dropped"
        );
        assert!(
            guard.dropped_spans() + guard.failed_spans() + guard.queued_spans() <= 2 * CALLS,
            "{protocol:?}: spans counted twice"
        );

        // Shutdown is bounded too (by the export timeout), and fails.
        let shutdown = tokio::time::timeout(
            HANG_GUARD,
            tokio::task::spawn_blocking(move || {
                let result = guard.shutdown();
                (guard, result)
            }),
        )
        .await
        .unwrap_or_else(|_| panic!("{protocol:?}: shutdown hung"));
        let (guard, result) = shutdown.unwrap();
        assert!(result.is_err(), "{protocol:?}: export can't have succeeded");
        // Every span is accounted for: dropped at the door or failed. (The
        // export thread may still be counting the last ones.)
        let accounted = || guard.dropped_spans() + guard.failed_spans();
        for _ in 0..100 {
            if accounted() == 2 * CALLS {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(accounted(), 2 * CALLS, "{protocol:?}");
        assert_eq!(guard.queued_spans(), 0, "{protocol:?}");
    }
}

#[traced(name = "bounded.item")]
fn item(i: u64) -> u64 {
    i
}

#[test]
fn the_export_queue_holds_a_fixed_number_of_spans() {
    let _serial = serial();
    let black_hole = BlackHole::start();
    // (queue size, OTEL_BSP_MAX_QUEUE_SIZE, code setting): the code setting
    // wins over the variable.
    for (queue_size, env, code) in [(37_usize, "37", None), (100, "5", Some(100))] {
        let mut builder = Telemetry::builder()
            .env_vars([
                ("OTEL_EXPORTER_OTLP_ENDPOINT", black_hole.endpoint()),
                ("OTEL_BSP_MAX_QUEUE_SIZE", env.into()),
                ("TRACEWIRE_METRICS", "off".into()),
            ])
            // No export can finish while the spans are emitted, so nothing
            // leaves the queue: exactly `queue_size` spans are admitted.
            .export_timeout(Duration::from_secs(60))
            .shutdown_timeout(Duration::from_millis(200))
            .max_export_batch_size(10);
        if let Some(size) = code {
            builder = builder.export_queue_size(size);
        }
        let mut guard = builder.install().expect("install");
        for i in 0..5_000 {
            item(i);
            assert!(guard.queued_spans() <= queue_size as u64);
        }
        assert_eq!(guard.queued_spans(), queue_size as u64);
        assert_eq!(guard.dropped_spans(), 5_000 - queue_size as u64);
        assert_eq!(guard.exported_spans() + guard.failed_spans(), 0);
        // The export is still hanging; shutdown gives up after its timeout.
        assert!(guard.shutdown().is_err());
    }
}

#[test]
fn dropped_spans_are_reported_on_stderr_at_shutdown() {
    let stderr = run_child("drops-spans", &[]);
    assert!(
        stderr.contains(
            "tracewire: 90 spans were dropped because the otlp export queue was full; \
             raise OTEL_BSP_MAX_QUEUE_SIZE"
        ),
        "stderr:\n{stderr}"
    );
}
