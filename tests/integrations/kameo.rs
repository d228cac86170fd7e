//! kameo 0.22 actors under `#[traced_actor]`: handler spans named per message,
//! SERVER for `ask` and CONSUMER for `tell`, children of the send spans that
//! traced callers' sends start, lifecycle spans (`on_start`, `on_stop`,
//! `on_panic`, `on_link_died`), errors and panics as outcomes, and 10,000
//! concurrent messages that never cross parents.

use std::convert::Infallible;
use std::ops::ControlFlow;

use ::kameo::actor::{ActorId, ActorRef, Spawn, WeakActorRef};
use ::kameo::error::{ActorStopReason, PanicError};
use ::kameo::message::{Context, Message};
use opentelemetry::trace::{SpanKind, Status};
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

pub struct Counter {
    count: i64,
}

#[traced_actor]
impl ::kameo::Actor for Counter {
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

pub struct Inc {
    pub amount: i64,
}

#[traced_actor]
impl Message<Inc> for Counter {
    type Reply = i64;

    async fn handle(&mut self, msg: Inc, _: &mut Context<Self, Self::Reply>) -> i64 {
        self.count += msg.amount;
        persist(self.count)
    }
}

/// Nested work inside the handler: `counter.persist`.
#[traced(name = "counter.persist")]
fn persist(total: i64) -> i64 {
    total
}

/// A message whose id the handler records, to pair each handler span with
/// its caller.
#[derive(Message)]
pub enum Tagged {
    Ping(#[message(attr = "caller.id")] i64),
}

#[traced_actor]
impl Message<Tagged> for Counter {
    type Reply = i64;

    async fn handle(&mut self, msg: Tagged, _: &mut Context<Self, Self::Reply>) -> i64 {
        let Tagged::Ping(id) = msg;
        id
    }
}

/// Waits, boundedly, until a span named `name` has ended.
async fn ended(tracing: &TestTracing, name: &str) {
    for _ in 0..500 {
        if tracing.spans().iter().any(|s| s.name == name) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no span `{name}` ended within 5 s");
}

#[traced]
async fn checkout(counter: &ActorRef<Counter>) -> i64 {
    counter.tell(Inc { amount: 1 }).await.expect("told");
    counter.ask(Inc { amount: 1 }).await.expect("asked")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_and_tell_handlers_are_children_of_the_callers_send_spans() {
    let tracing = TestTracing::install();
    let counter = Counter::spawn(0);
    assert_eq!(checkout(&counter).await, 2);
    counter.stop_gracefully().await.expect("stops");
    counter.wait_for_shutdown().await;
    // kameo may report the shutdown before `on_stop`'s span has ended.
    ended(&tracing, "counter.on_stop").await;

    let tree = tracing.tree();
    tree.span("counter.tell inc")
        .assert_kind(SpanKind::Producer)
        .assert_parent("checkout");
    tree.span("counter.ask inc")
        .assert_kind(SpanKind::Client)
        .assert_parent("checkout");
    let handlers = tree.spans_named("counter.handle inc");
    assert_eq!(handlers.len(), 2);
    let told = handlers
        .iter()
        .find(|h| h.kind() == &SpanKind::Consumer)
        .expect("a tell handler");
    (*told).assert_parent("counter.tell inc");
    let asked = handlers
        .iter()
        .find(|h| h.kind() == &SpanKind::Server)
        .expect("an ask handler");
    (*asked).assert_parent("counter.ask inc");
    assert!(
        asked
            .children()
            .iter()
            .any(|c| c.name() == "counter.persist")
    );
    tree.span("counter.on_start");
    tree.span("counter.on_stop");
    // kameo's own handler span is replaced by tracewire's, never exported.
    assert!(tree.spans_named("actor.handle_message").is_empty());
}

#[traced(fields(caller.id = id))]
async fn ping(counter: ActorRef<Counter>, id: i64) {
    if id % 2 == 0 {
        assert_eq!(counter.ask(Tagged::Ping(id)).await.expect("asked"), id);
    } else {
        counter.tell(Tagged::Ping(id)).await.expect("told");
    }
}

const CALLERS: i64 = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_concurrent_callers_never_cross_parents() {
    let tracing = TestTracing::install();
    let counter = Counter::spawn(0);
    let callers: Vec<_> = (0..CALLERS)
        .map(|id| tokio::spawn(ping(counter.clone(), id)))
        .collect();
    for caller in callers {
        caller.await.expect("caller finished");
    }
    counter.stop_gracefully().await.expect("stops");
    counter.wait_for_shutdown().await;

    let tree = tracing.tree();
    let handlers = tree.spans_named("counter.handle ping");
    assert_eq!(handlers.len(), CALLERS as usize);
    let mut wrong = std::collections::BTreeMap::new();
    for handler in &handlers {
        let parent = handler
            .parent()
            .map(|p| p.name().to_owned())
            .unwrap_or_default();
        if !parent.starts_with("counter.") {
            *wrong
                .entry((parent, format!("{:?}", handler.kind())))
                .or_insert(0) += 1;
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
    crate::assert_each_handler_under_its_own_caller(
        handlers,
        "counter.ask ping",
        "counter.tell ping",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_traced_code_a_tracing_span_or_the_extension_trait_carries_the_context() {
    use opentelemetry::trace::{FutureExt as _, TraceContextExt as _, Tracer as _};
    use tracewire::kameo::TracedSends as _;
    use tracing::Instrument as _;

    let tracing = TestTracing::install();
    let counter = Counter::spawn(0);
    // Inside an entered `tracing` span: nothing to write.
    async { counter.ask(Inc { amount: 1 }).await.expect("asked") }
        .instrument(tracing::info_span!("request"))
        .await;
    // Under a span opened with the OpenTelemetry API: one import.
    let manual = opentelemetry::global::tracer("test").start("manual");
    let cx = opentelemetry::Context::current_with_span(manual);
    async {
        counter.traced_tell(Inc { amount: 1 }).await.expect("told");
        counter.traced_ask(Inc { amount: 1 }).await.expect("asked")
    }
    .with_context(cx.clone())
    .await;
    cx.span().end();
    counter.stop_gracefully().await.expect("stops");
    counter.wait_for_shutdown().await;

    let tree = tracing.tree();
    let handlers = tree.spans_named("counter.handle inc");
    assert_eq!(handlers.len(), 3);
    let parents: Vec<_> = handlers
        .iter()
        .map(|h| h.parent().map(|p| p.name()))
        .collect();
    assert!(parents.contains(&Some("request")), "{parents:?}");
    assert!(parents.contains(&Some("counter.tell inc")), "{parents:?}");
    assert!(parents.contains(&Some("counter.ask inc")), "{parents:?}");
    tree.span("counter.ask inc")
        .assert_kind(SpanKind::Client)
        .assert_parent("manual");
    tree.span("counter.tell inc")
        .assert_kind(SpanKind::Producer)
        .assert_parent("manual");
}

/// An actor that survives its handlers' panics and its links' deaths, to
/// trace kameo's `on_panic` and `on_link_died` hooks.
pub struct Fragile;

#[traced_actor]
impl ::kameo::Actor for Fragile {
    type Args = ();
    type Error = Infallible;

    async fn on_start(_: (), _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(Fragile)
    }

    async fn on_panic(
        &mut self,
        _: WeakActorRef<Self>,
        _: PanicError,
    ) -> Result<ControlFlow<ActorStopReason>, Infallible> {
        Ok(ControlFlow::Continue(()))
    }

    async fn on_link_died(
        &mut self,
        _: WeakActorRef<Self>,
        _: ActorId,
        _: ActorStopReason,
    ) -> Result<ControlFlow<ActorStopReason>, Infallible> {
        Ok(ControlFlow::Continue(()))
    }
}

pub struct Boom;

#[traced_actor]
impl Message<Boom> for Fragile {
    type Reply = ();

    async fn handle(&mut self, _: Boom, _: &mut Context<Self, Self::Reply>) {
        panic!("boom");
    }
}

pub struct Refuse;

#[traced_actor]
impl Message<Refuse> for Fragile {
    type Reply = Result<(), String>;

    async fn handle(
        &mut self,
        _: Refuse,
        _: &mut Context<Self, Self::Reply>,
    ) -> Result<(), String> {
        Err("refused".to_owned())
    }
}

/// A message whose handler sends another to its own actor, through kameo's
/// `ctx.actor_ref()`.
pub struct Relay;

#[traced_actor]
impl Message<Relay> for Fragile {
    type Reply = ();

    async fn handle(&mut self, _: Relay, ctx: &mut Context<Self, Self::Reply>) {
        ctx.actor_ref().tell(Noted).await.expect("told itself");
    }
}

pub struct Noted;

#[traced_actor]
impl Message<Noted> for Fragile {
    type Reply = ();

    async fn handle(&mut self, _: Noted, _: &mut Context<Self, Self::Reply>) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_to_itself_through_ctx_actor_ref_is_a_child_of_the_handler() {
    let tracing = TestTracing::install();
    let fragile = Fragile::spawn(());
    fragile.ask(Relay).await.expect("asked");
    ended(&tracing, "fragile.handle noted").await;

    let tree = tracing.tree();
    tree.span("fragile.handle relay")
        .assert_kind(SpanKind::Server);
    tree.span("fragile.tell noted")
        .assert_kind(SpanKind::Producer)
        .assert_parent("fragile.handle relay");
    tree.span("fragile.handle noted")
        .assert_kind(SpanKind::Consumer)
        .assert_parent("fragile.tell noted")
        .assert_same_trace("fragile.handle relay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_panics_and_the_panic_and_link_hooks_are_traced() {
    let tracing = TestTracing::install();
    let fragile = Fragile::spawn(());
    assert!(
        fragile.ask(Refuse).await.is_err(),
        "the handler's Err reaches the caller"
    );
    fragile.tell(Boom).await.expect("told");
    ended(&tracing, "fragile.on_panic").await;
    let sibling = Counter::spawn(0);
    fragile.link(&sibling).await;
    sibling.stop_gracefully().await.expect("stops");
    ended(&tracing, "fragile.on_link_died").await;

    let tree = tracing.tree();
    tree.span("fragile.handle refuse")
        .assert_kind(SpanKind::Server)
        .assert_status_error("refused")
        .assert_event("exception");
    let boom = tree
        .span("fragile.handle boom")
        .assert_kind(SpanKind::Consumer)
        .assert_attr("error.type", "panic")
        .assert_event("exception");
    assert!(
        matches!(boom.status(), Status::Error { .. }),
        "{:?}",
        boom.status()
    );
    tree.span("fragile.on_panic");
    tree.span("fragile.on_link_died");
}
