//! A high-throughput actor whose hot `handle_call` is traced for only 10% of
//! requests.
//!
//! An Elixir GenServer rolls `:rand.uniform() < @sample_rate` by hand in
//! every call.
//! Here `#[span(sample = 0.1)]` on `handle_call` says it once. The decision
//! is made from the trace id when the trace starts, so a kept request keeps
//! its whole trace (`worker.call process` → `worker.handle_call process` →
//! `worker.do_process`) and a dropped one leaves no orphaned child behind.
//! The worker counts the requests whose span was kept, so `run` can report
//! it whatever exporter is installed.
//!
//! Run with `cargo run --example high_throughput_worker`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use opentelemetry::trace::TraceContextExt;
use tracewire::actor::{self, Actor, ActorContext, NoMessage, StopReason};
use tracewire::prelude::*;

/// How many requests `run` sends.
pub const REQUESTS: u64 = 1_000;

/// The share of requests traced (an Elixir module's `@sample_rate`), as
/// written on `handle_call` below.
pub const SAMPLE_RATE: f64 = 0.1;

pub struct HighThroughputWorker {
    /// Requests handled inside a kept (sampled) span.
    traced: Arc<AtomicU64>,
}

#[derive(Message, Debug)]
pub enum WorkerCall {
    Process {
        #[message(attr)]
        data: u64,
    },
}

#[traced_actor(name = "worker")]
impl Actor for HighThroughputWorker {
    type Args = Arc<AtomicU64>;
    type Call = WorkerCall;
    type Reply = u64;
    type Cast = NoMessage;
    type Info = NoMessage;

    async fn init(traced: Arc<AtomicU64>) -> Result<Self, StopReason> {
        Ok(HighThroughputWorker { traced })
    }

    /// Span `worker.handle_call process`, kept for about one call in ten.
    #[span(sample = 0.1)]
    async fn handle_call(&mut self, msg: WorkerCall, _ctx: &mut ActorContext<Self>) -> u64 {
        let WorkerCall::Process { data } = msg;
        let cx = opentelemetry::Context::current();
        if cx.span().span_context().is_sampled() {
            self.traced.fetch_add(1, Ordering::Relaxed);
        }
        do_process(data)
    }
}

/// The actual work: span `worker.do_process`, kept exactly when its
/// handler's span is.
#[traced(name = "worker.do_process")]
fn do_process(data: u64) -> u64 {
    data * 2
}

/// Sends `REQUESTS` process calls and reports how many were traced.
pub async fn run() {
    let traced = Arc::new(AtomicU64::new(0));
    let worker = actor::spawn::<HighThroughputWorker>(traced.clone())
        .await
        .expect("the worker starts");
    for data in 0..REQUESTS {
        let reply = worker.call(WorkerCall::Process { data }).await;
        assert_eq!(reply, Ok(data * 2));
    }
    worker.stop(StopReason::Normal).await.expect("stops");
    let kept = traced.load(Ordering::Relaxed);
    println!("{REQUESTS} process calls at sample rate {SAMPLE_RATE}: {kept} traces kept\n");
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> Result<(), tracewire::InitError> {
    // With no OTLP endpoint configured, each finished trace is printed to
    // stderr as a tree; set OTEL_EXPORTER_OTLP_ENDPOINT to send it instead.
    let telemetry = tracewire::init()?;
    run().await;
    // Flushes, so the last traces are printed before the program exits.
    drop(telemetry);
    Ok(())
}
