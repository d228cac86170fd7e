//! A ractor actor traced with `#[traced_actor]` (tracewire's `ractor`
//! feature).
//!
//! A traced `checkout` casts to and calls a ractor `Counter`. The `cast!`
//! and `call!` in its body are rewritten by the macro, so each send is a
//! span (PRODUCER for `cast!`, CLIENT for `call!`) whose handler span
//! (CONSUMER, SERVER: the `Get` variant carries a reply port) is its child,
//! across the actor's mailbox, with the handler's nested work below it.
//! `init()` prints the tree on stderr:
//!
//! ```text
//! trace 950605d6… · 2 spans · 284µs
//! Actor                  284µs  █████████████████████████  id="0.0"
//! └─ counter.pre_start  5.40µs          █
//!
//! trace b2b7ef74… · 6 spans · 5.48ms
//! checkout                             5.48ms  █████████████████████████
//! ├─ counter.cast add [producer]       27.4µs  ▌
//! │  └─ counter.handle add [consumer]  48.9µs                          ▌  amount=2
//! │     └─ counter.persist             2.79µs                          ▌  total=42
//! └─ counter.call get [client]         5.35ms  ▐████████████████████████
//!    └─ counter.handle get [server]    17.8µs                          ▐
//!
//! trace d51e8fed… · 2 spans · 7.89ms
//! Actor                 7.89ms  █████████████████████████  id="0.0"
//! └─ counter.post_stop  7.18µs                          ▐
//! ```
//!
//! `Actor` is ractor's own `tracing` span around starting and stopping the
//! actor; the `tracing` layer exports it, so the lifecycle hooks' spans sit
//! under it.
//!
//! Run with `cargo run --example ractor`.

use ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort};
use tracewire::prelude::*;

pub struct Counter;

/// The counter's messages: one span name per variant; `Get` carries a
/// reply port, so it is a call.
#[derive(Message)]
pub enum CounterMsg {
    Add(#[message(attr = "amount")] i64),
    Get(RpcReplyPort<i64>),
}

/// `counter.pre_start`, `counter.handle {variant}`, `counter.post_stop`;
/// the state is never recorded.
#[traced_actor]
impl Actor for Counter {
    type Msg = CounterMsg;
    type State = i64;
    type Arguments = i64;

    async fn pre_start(
        &self,
        _myself: ActorRef<CounterMsg>,
        start: Self::Arguments,
    ) -> Result<i64, ActorProcessingErr> {
        Ok(start)
    }

    async fn handle(
        &self,
        _myself: ActorRef<CounterMsg>,
        message: CounterMsg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            CounterMsg::Add(n) => *state = persist(*state + n),
            CounterMsg::Get(reply) => reply.send(*state)?,
        }
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<CounterMsg>,
        _state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        Ok(())
    }
}

/// Nested work inside the handler: `counter.persist`.
#[traced(name = "counter.persist")]
fn persist(total: i64) -> i64 {
    total
}

/// The caller: `cast!` and `call!` as ractor has them, no change.
#[traced]
async fn checkout(counter: &ActorRef<CounterMsg>) -> i64 {
    ractor::cast!(counter, CounterMsg::Add(2)).expect("cast");
    ractor::call!(counter, CounterMsg::Get).expect("called")
}

/// One checkout against a fresh counter starting at 40, which is then
/// stopped.
pub async fn run() -> i64 {
    let (counter, handle) = Actor::spawn(None, Counter, 40).await.expect("spawns");
    let total = checkout(&counter).await;
    counter.stop(None);
    handle.await.expect("stops");
    total
}

#[tokio::main]
async fn main() -> Result<(), tracewire::InitError> {
    // Installs the exporter and the `tracing` layer that carries context
    // through ractor's mailbox.
    let telemetry = tracewire::init()?;
    println!("total {}", run().await);
    // Flushes, so the trace is printed before the program exits.
    drop(telemetry);
    Ok(())
}
