//! A kameo actor traced with `#[traced_actor]` (tracewire's `kameo`
//! feature).
//!
//! A traced `checkout` tells and asks a kameo `Counter`. The sends in its
//! body are rewritten by the macro, so each one is a span (PRODUCER for
//! `tell`, CLIENT for `ask`) whose handler span (CONSUMER, SERVER) is its
//! child, across the actor's mailbox, with the handler's own nested work
//! below it. `init()` prints the tree on stderr:
//!
//! ```text
//! trace 505e8dcc… · 9 spans · 844µs
//! checkout                              844µs  █████████████████████████
//! ├─ counter.tell add [producer]        116µs    ████
//! │  └─ counter.handle add [consumer]  7.80µs                ▐            amount=2
//! │     └─ counter.persist             2.82µs                ▐            total=2
//! ├─ counter.ask add [client]           458µs        ██████████████
//! │  └─ counter.handle add [server]    3.37µs                 ▐           amount=3
//! │     └─ counter.persist              747ns                 ▐           total=5
//! └─ counter.ask total [client]         133µs                      ▐████
//!    └─ counter.handle total [server]  2.11µs                         ▌
//!
//! trace d9bb0740… · 2 spans · 585µs
//! actor.lifecycle       585µs  █████████████████████████  actor.id="#0" actor.name="kameo::Counter"
//! └─ counter.on_start  4.21µs    ▌                        count=0
//! ```
//!
//! `actor.lifecycle` is kameo's own `tracing` span around the actor's run;
//! the `tracing` layer exports it, so the lifecycle hooks' spans sit under
//! it. kameo's per-message span (`actor.handle_message`) is not exported:
//! tracewire's handler span takes its place.
//!
//! Run with `cargo run --example kameo`.

use std::convert::Infallible;

use kameo::actor::{ActorRef, Spawn};
use kameo::message::{Context, Message};
use tracewire::prelude::*;

pub struct Counter {
    count: i64,
}

/// `counter.on_start` when the actor starts.
#[traced_actor]
impl kameo::Actor for Counter {
    type Args = i64;
    type Error = Infallible;

    async fn on_start(count: i64, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(Counter { count })
    }
}

/// The counter's messages: one span name per variant.
#[derive(Message)]
pub enum CounterMsg {
    Add(#[message(attr = "amount")] i64),
    Total,
}

/// `counter.handle add` / `counter.handle total`: SERVER for an `ask`,
/// CONSUMER for a `tell`.
#[traced_actor]
impl Message<CounterMsg> for Counter {
    type Reply = i64;

    async fn handle(&mut self, msg: CounterMsg, _: &mut Context<Self, i64>) -> i64 {
        match msg {
            CounterMsg::Add(n) => self.count = persist(self.count + n),
            CounterMsg::Total => {}
        }
        self.count
    }
}

/// Nested work inside the handler: `counter.persist`.
#[traced(name = "counter.persist")]
fn persist(total: i64) -> i64 {
    total
}

/// The caller: `tell` and `ask` as kameo has them, no change.
#[traced]
async fn checkout(counter: &ActorRef<Counter>) -> i64 {
    counter.tell(CounterMsg::Add(2)).await.expect("told");
    counter.ask(CounterMsg::Add(3)).await.expect("asked");
    counter.ask(CounterMsg::Total).await.expect("asked")
}

/// One checkout against a fresh counter, which is then stopped.
pub async fn run() -> i64 {
    let counter = Counter::spawn(0);
    let total = checkout(&counter).await;
    counter.stop_gracefully().await.expect("stops");
    counter.wait_for_shutdown().await;
    total
}

#[tokio::main]
async fn main() -> Result<(), tracewire::InitError> {
    // Installs the exporter and the `tracing` layer that carries context
    // through kameo's mailbox.
    let telemetry = tracewire::init()?;
    println!("total {}", run().await);
    // Flushes, so the trace is printed before the program exits.
    drop(telemetry);
    Ok(())
}
