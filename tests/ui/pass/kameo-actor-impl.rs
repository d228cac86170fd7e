// `#[traced_actor]` on kameo's `impl Actor` and `impl Message<M>`: nothing is
// added to either impl (kameo's traits have no `NAME`); lifecycle hooks get
// spans; `handle` is named after the message, its kind follows `ask` (SERVER)
// or `tell` (CONSUMER), an `Err` reply is an error.
use std::convert::Infallible;

use kameo::actor::{ActorRef, Spawn, WeakActorRef};
use kameo::error::ActorStopReason;
use kameo::message::{Context, Message};
use opentelemetry::trace::SpanKind;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct Counter {
    count: i64,
}

#[traced_actor]
impl kameo::Actor for Counter {
    type Args = i64;
    type Error = Infallible;

    async fn on_start(start: Self::Args, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(Counter { count: start })
    }

    async fn on_stop(
        &mut self,
        _: WeakActorRef<Self>,
        _: ActorStopReason,
    ) -> Result<(), Infallible> {
        Ok(())
    }
}

struct Inc {
    amount: i64,
}

#[derive(Message)]
enum Query {
    Total,
    Above(#[message(attr = "threshold")] i64),
}

#[derive(Debug)]
struct Negative;
impl std::fmt::Display for Negative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("negative total")
    }
}

#[traced_actor]
impl Message<Inc> for Counter {
    type Reply = i64;

    async fn handle(&mut self, msg: Inc, _: &mut Context<Self, Self::Reply>) -> i64 {
        self.count += msg.amount;
        self.count
    }
}

#[traced_actor]
impl kameo::message::Message<Query> for Counter {
    type Reply = Result<bool, Negative>;

    async fn handle(
        &mut self,
        query: Query,
        _ctx: &mut Context<Self, Self::Reply>,
    ) -> Result<bool, Negative> {
        if self.count < 0 {
            return Err(Negative);
        }
        Ok(match query {
            Query::Total => true,
            Query::Above(n) => self.count > n,
        })
    }
}

#[tokio::main]
async fn main() {
    let tracing = TestTracing::install();
    let counter = Counter::spawn(1);
    counter.wait_for_startup().await;
    counter.tell(Inc { amount: 1 }).await.expect("told");
    assert_eq!(counter.ask(Inc { amount: 1 }).await.expect("asked"), 3);
    assert!(counter.ask(Query::Above(2)).await.expect("asked"));
    counter.tell(Inc { amount: -10 }).await.expect("told");
    assert!(counter.ask(Query::Total).await.is_err());
    counter.stop_gracefully().await.expect("stops");
    counter.wait_for_shutdown().await;
    // kameo may report the shutdown before `on_stop`'s span has ended.
    for _ in 0..500 {
        if tracing.spans().iter().any(|s| s.name == "counter.on_stop") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let tree = tracing.tree();
    tree.span("counter.on_start").assert_no_attr("start");
    tree.span("counter.on_stop");
    let incs = tree.spans_named("counter.handle inc");
    assert_eq!(incs.len(), 3);
    assert_eq!(incs[0].kind(), &SpanKind::Consumer);
    assert_eq!(incs[1].kind(), &SpanKind::Server);
    tree.span("counter.handle above")
        .assert_kind(SpanKind::Server)
        .assert_attr("threshold", 2i64)
        .assert_no_attr("query");
    tree.span("counter.handle total")
        .assert_status_error("negative total");
}
