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
//! trace 5e0c7d41… · 7 spans · 1.02ms
//! checkout                       1.02ms  ████████████████████
//! ├─ counter.tell add            90.1µs  ██
//! │  └─ counter.handle add       380µs   ▐██████▌             amount=2
//! │     └─ counter.persist       21.3µs      ▐                total=2
//! ├─ counter.ask add             412µs        ▐███████▌
//! │  └─ counter.handle add       180µs         ▐███▌          amount=3
//! │     └─ counter.persist       9.12µs           ▐           total=5
//! └─ counter.ask total           301µs                ▐█████▌
//!    └─ counter.handle total     40.2µs                ▐▌
//! ```
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
