//! `export-child`: the export tests' child process. Each case needs the real
//! process environment and the real (piped) stderr, which a test inside the
//! test harness cannot give it, so the tests run this binary with
//! `export-child CASE` (see `run_child` in `mod.rs`) and assert on its
//! stderr.

use std::time::Duration;

use tracewire::Telemetry;
use tracewire::prelude::*;

#[path = "black_hole.rs"]
mod black_hole;
#[path = "inventory.rs"]
mod inventory;

use black_hole::BlackHole;
use inventory::reserve;

#[traced(name = "bounded.item")]
fn item(i: u64) -> u64 {
    i
}

/// The real `init()`, reading the real (cleaned) process environment.
fn init_from_env() {
    let guard = tracewire::init().expect("init with no variables set");
    assert!(guard.is_active());
    assert!(!guard.exports_metrics(), "no endpoint, no metrics");
    reserve(7);
    drop(guard); // flushes: the tree is on stderr before the process exits
}

fn bad_variable() {
    let error = tracewire::init().expect_err("a bad sampler name");
    eprintln!("init failed: {error}");
}

fn sdk_disabled() {
    let mut guard = tracewire::init().expect("disabled is not an error");
    assert!(!guard.is_active());
    reserve(7);
    guard.shutdown().expect("an inert guard shuts down cleanly");
}

fn drops_spans() {
    let black_hole = BlackHole::start();
    let guard = Telemetry::builder()
        .env_vars([("TRACEWIRE_METRICS", "off")])
        .endpoint(black_hole.endpoint())
        .export_queue_size(10)
        .export_timeout(Duration::from_secs(60))
        .shutdown_timeout(Duration::from_millis(100))
        .install()
        .expect("install");
    for i in 0..100 {
        item(i);
    }
    assert_eq!(guard.dropped_spans(), 90);
    drop(guard); // shuts down and reports
}

/// `OTEL_METRICS_EXPORTER=console` (and the traces one `none`) from the
/// real environment: metrics lines, no trace trees.
fn console_metrics() {
    let guard = tracewire::init().expect("init with console metrics");
    assert!(guard.exports_metrics());
    reserve(7);
    drop(guard); // the final collection prints
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("init-from-env") => init_from_env(),
        Some("bad-variable") => bad_variable(),
        Some("sdk-disabled") => sdk_disabled(),
        Some("drops-spans") => drops_spans(),
        Some("console-metrics") => console_metrics(),
        other => {
            eprintln!(
                "usage: export-child init-from-env|bad-variable|sdk-disabled|drops-spans|console-metrics \
                 (got {other:?})"
            );
            std::process::exit(2);
        }
    }
}
