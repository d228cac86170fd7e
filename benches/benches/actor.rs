//! Actor call round trip and cast throughput, in three variants measured in
//! the same run:
//!
//! - `untraced`: the same actor written by hand on tokio `mpsc` + `oneshot`,
//!   with no tracing at all (the floor);
//! - `runtime_untraced`: tracewire's runtime with an actor impl that is not
//!   `#[traced_actor]`, under the sample-nothing pipeline (its calls and
//!   casts still start client and producer spans, which are not sampled);
//! - `traced_unsampled`: tracewire's runtime and `#[traced_actor]` under an
//!   `AlwaysOff` sampler;
//! - `traced_sampled`: the same under `AlwaysOn`, exported through a
//!   `BoundedSpanProcessor` to an exporter that drops every batch.
//!
//! tracewire's handler spans take the record path `init()` installs.
//!
//! Run with `cargo bench -p tracewire-benches --bench actor`.

use std::sync::OnceLock;

use tokio::runtime::Runtime;
use tokio::sync::{mpsc, oneshot};
use tracewire::actor::{self, Actor, ActorContext, ActorRef, NoMessage, StopReason};
use tracewire::prelude::*;
use tracewire_benches::{Sampling, SpanPath, install, select_path};

/// Casts sent per throughput iteration.
const CASTS: usize = 1_000;

struct Counter {
    total: u64,
}

#[derive(Message)]
enum CounterCall {
    Get,
}

#[derive(Message, Debug)]
enum CounterCast {
    Add(u64),
}

#[traced_actor]
impl Actor for Counter {
    type Args = ();
    type Call = CounterCall;
    type Reply = u64;
    type Cast = CounterCast;
    type Info = NoMessage;

    async fn init(_args: ()) -> Result<Self, StopReason> {
        Ok(Counter { total: 0 })
    }

    async fn handle_call(&mut self, msg: CounterCall, ctx: &mut ActorContext<Self>) -> u64 {
        let _ = (msg, ctx);
        self.total
    }

    async fn handle_cast(&mut self, msg: CounterCast, ctx: &mut ActorContext<Self>) {
        let _ = ctx;
        let CounterCast::Add(n) = msg;
        self.total += n;
    }
}

/// The same actor on tracewire's runtime, not traced.
struct PlainCounter {
    total: u64,
}

impl Actor for PlainCounter {
    type Args = ();
    type Call = CounterCall;
    type Reply = u64;
    type Cast = CounterCast;
    type Info = NoMessage;

    async fn init(_args: ()) -> Result<Self, StopReason> {
        Ok(PlainCounter { total: 0 })
    }

    async fn handle_call(&mut self, msg: CounterCall, ctx: &mut ActorContext<Self>) -> u64 {
        let _ = (msg, ctx);
        self.total
    }

    async fn handle_cast(&mut self, msg: CounterCast, ctx: &mut ActorContext<Self>) {
        let _ = ctx;
        let CounterCast::Add(n) = msg;
        self.total += n;
    }
}

/// The same actor by hand: what an untraced tokio program would write.
enum PlainMessage {
    Get(oneshot::Sender<u64>),
    Add(u64),
}

fn spawn_plain(rt: &Runtime) -> mpsc::Sender<PlainMessage> {
    let (tx, mut rx) = mpsc::channel(actor::DEFAULT_MAILBOX);
    rt.spawn(async move {
        let mut total = 0u64;
        while let Some(message) = rx.recv().await {
            match message {
                PlainMessage::Get(reply) => {
                    let _ = reply.send(total);
                }
                PlainMessage::Add(n) => total += n,
            }
        }
    });
    tx
}

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

fn traced(sampling: Sampling) -> ActorRef<Counter> {
    let _provider = install(sampling);
    select_path(SpanPath::Records);
    runtime()
        .block_on(actor::spawn::<Counter>(()))
        .expect("the actor starts")
}

fn runtime_untraced() -> ActorRef<PlainCounter> {
    let _provider = install(Sampling::Unsampled);
    select_path(SpanPath::Records);
    runtime()
        .block_on(actor::spawn::<PlainCounter>(()))
        .expect("the actor starts")
}

#[divan::bench]
fn call_roundtrip_runtime_untraced(bencher: divan::Bencher) {
    let counter = runtime_untraced();
    let rt = runtime();
    bencher.bench_local(|| {
        rt.block_on(counter.call(CounterCall::Get))
            .expect("answered")
    });
}

#[divan::bench(counter = divan::counter::ItemsCount::new(CASTS))]
fn cast_throughput_runtime_untraced(bencher: divan::Bencher) {
    let counter = runtime_untraced();
    let rt = runtime();
    bencher.bench_local(|| {
        rt.block_on(async {
            for _ in 0..CASTS {
                counter.cast(CounterCast::Add(1)).await.expect("running");
            }
            counter.call(CounterCall::Get).await.expect("answered")
        })
    });
}

#[divan::bench]
fn call_roundtrip_untraced(bencher: divan::Bencher) {
    let rt = runtime();
    let tx = spawn_plain(rt);
    bencher.bench_local(|| {
        rt.block_on(async {
            let (reply, answer) = oneshot::channel();
            tx.send(PlainMessage::Get(reply)).await.expect("running");
            answer.await.expect("answered")
        })
    });
}

#[divan::bench(args = [Sampling::Unsampled, Sampling::Sampled])]
fn call_roundtrip_traced(bencher: divan::Bencher, sampling: Sampling) {
    let counter = traced(sampling);
    let rt = runtime();
    bencher.bench_local(|| {
        rt.block_on(counter.call(CounterCall::Get))
            .expect("answered")
    });
}

#[divan::bench(counter = divan::counter::ItemsCount::new(CASTS))]
fn cast_throughput_untraced(bencher: divan::Bencher) {
    let rt = runtime();
    let tx = spawn_plain(rt);
    bencher.bench_local(|| {
        rt.block_on(async {
            for _ in 0..CASTS {
                tx.send(PlainMessage::Add(1)).await.expect("running");
            }
            let (reply, answer) = oneshot::channel();
            tx.send(PlainMessage::Get(reply)).await.expect("running");
            answer.await.expect("answered")
        })
    });
}

#[divan::bench(
    args = [Sampling::Unsampled, Sampling::Sampled],
    counter = divan::counter::ItemsCount::new(CASTS),
)]
fn cast_throughput_traced(bencher: divan::Bencher, sampling: Sampling) {
    let counter = traced(sampling);
    let rt = runtime();
    bencher.bench_local(|| {
        rt.block_on(async {
            for _ in 0..CASTS {
                counter.cast(CounterCast::Add(1)).await.expect("running");
            }
            counter.call(CounterCall::Get).await.expect("answered")
        })
    });
}

fn main() {
    divan::main();
}
