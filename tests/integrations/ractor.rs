//! ractor 0.16 actors under `#[traced_actor]`: `handle` spans named per
//! variant, SERVER for a variant carrying an `RpcReplyPort` and CONSUMER
//! otherwise, children of the send spans that traced callers' `cast!`,
//! `call!`, `call_t!` and `send_message` start; lifecycle spans; the state
//! never recorded; 10,000 concurrent messages that never cross parents.

use ::ractor::{Actor, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use opentelemetry::trace::SpanKind;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

pub struct Counter;

#[derive(Message)]
pub enum CounterMsg {
    Add(#[message(attr = "amount")] i64),
    Get(RpcReplyPort<i64>),
    Ping(#[message(attr = "caller.id")] i64, RpcReplyPort<i64>),
    Note(#[message(attr = "caller.id")] i64),
}

#[traced_actor]
impl Actor for Counter {
    type Msg = CounterMsg;
    type State = i64;
    type Arguments = i64;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        start: Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(start)
    }

    async fn post_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        _state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            CounterMsg::Add(n) => *state = persist(*state + n),
            CounterMsg::Get(reply) => reply.send(*state)?,
            CounterMsg::Ping(id, reply) => reply.send(id)?,
            CounterMsg::Note(_) => {}
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<Self::Msg>,
        _event: SupervisionEvent,
        _state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
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

#[traced]
async fn checkout(counter: &ActorRef<CounterMsg>) -> i64 {
    ::ractor::cast!(counter, CounterMsg::Add(1)).expect("cast");
    counter.send_message(CounterMsg::Add(1)).expect("sent");
    let first = ::ractor::call!(counter, CounterMsg::Get).expect("called");
    let second = ::ractor::call_t!(counter, CounterMsg::Get, 5_000).expect("called");
    assert_eq!(first, second);
    first
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cast_call_and_send_message_handlers_are_children_of_the_callers_sends() {
    let tracing = TestTracing::install();
    let (counter, handle) = Actor::spawn(None, Counter, 40).await.expect("spawns");
    assert_eq!(checkout(&counter).await, 42);
    counter.stop(None);
    handle.await.expect("stops");

    let tree = tracing.tree();
    tree.span("counter.cast add")
        .assert_kind(SpanKind::Producer)
        .assert_parent("checkout");
    tree.span("counter.send_message add")
        .assert_kind(SpanKind::Producer)
        .assert_parent("checkout");
    let calls = tree.spans_named("counter.call get");
    assert_eq!(calls.len(), 2);
    for call in &calls {
        call.assert_kind(SpanKind::Client).assert_parent("checkout");
    }
    let adds = tree.spans_named("counter.handle add");
    assert_eq!(adds.len(), 2);
    let add_parents: Vec<_> = adds.iter().map(|a| a.parent().map(|p| p.name())).collect();
    assert!(
        add_parents.contains(&Some("counter.cast add")),
        "{add_parents:?}"
    );
    assert!(
        add_parents.contains(&Some("counter.send_message add")),
        "{add_parents:?}"
    );
    for add in adds {
        add.assert_kind(SpanKind::Consumer)
            .assert_attr("amount", 1i64)
            .assert_no_attr("state")
            .assert_no_attr("message");
        assert!(add.children().iter().any(|c| c.name() == "counter.persist"));
    }
    for get in tree.spans_named("counter.handle get") {
        get.assert_kind(SpanKind::Server)
            .assert_parent("counter.call get");
    }
    tree.span("counter.pre_start").assert_no_attr("start");
    tree.span("counter.post_start").assert_no_attr("_state");
    tree.span("counter.post_stop");
}

#[traced_actor]
impl Actor for Supervisor {
    type Msg = ();
    type State = ();
    type Arguments = ();

    async fn pre_start(&self, _: ActorRef<()>, _: ()) -> Result<(), ActorProcessingErr> {
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        _myself: ActorRef<()>,
        _event: SupervisionEvent,
        _state: &mut (),
    ) -> Result<(), ActorProcessingErr> {
        Ok(())
    }
}

pub struct Supervisor;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervision_events_get_spans() {
    let tracing = TestTracing::install();
    let (supervisor, supervisor_handle) = Actor::spawn(None, Supervisor, ()).await.expect("spawns");
    let (child, child_handle) = Actor::spawn_linked(None, Counter, 0, supervisor.get_cell())
        .await
        .expect("spawns");
    child.stop(None);
    child_handle.await.expect("child stops");
    // The supervisor hears of the child's end through its own mailbox.
    for _ in 0..500 {
        let heard = tracing
            .spans()
            .iter()
            .any(|s| s.name == "supervisor.handle_supervisor_evt");
        if heard {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    supervisor.stop(None);
    supervisor_handle.await.expect("supervisor stops");
    let tree = tracing.tree();
    assert!(
        !tree
            .spans_named("supervisor.handle_supervisor_evt")
            .is_empty()
    );
}

#[traced(fields(caller.id = id))]
async fn ping(counter: ActorRef<CounterMsg>, id: i64) {
    if id % 2 == 0 {
        assert_eq!(
            ::ractor::call!(counter, CounterMsg::Ping, id).expect("called"),
            id
        );
    } else {
        ::ractor::cast!(counter, CounterMsg::Note(id)).expect("cast");
    }
}

const CALLERS: i64 = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_concurrent_callers_never_cross_parents() {
    let tracing = TestTracing::install();
    let (counter, handle) = Actor::spawn(None, Counter, 0).await.expect("spawns");
    let callers: Vec<_> = (0..CALLERS)
        .map(|id| tokio::spawn(ping(counter.clone(), id)))
        .collect();
    for caller in callers {
        caller.await.expect("caller finished");
    }
    counter.stop(None);
    handle.await.expect("stops");

    let tree = tracing.tree();
    let mut handlers = tree.spans_named("counter.handle ping");
    handlers.extend(tree.spans_named("counter.handle note"));
    assert_eq!(handlers.len(), CALLERS as usize);
    crate::assert_each_handler_under_its_own_caller(
        handlers,
        "counter.call ping",
        "counter.cast note",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_traced_code_a_tracing_span_or_the_extension_trait_carries_the_context() {
    use opentelemetry::trace::{FutureExt as _, TraceContextExt as _, Tracer as _};
    use tracewire::ractor::TracedSends as _;
    use tracing::Instrument as _;

    let tracing = TestTracing::install();
    let (counter, handle) = Actor::spawn(None, Counter, 0).await.expect("spawns");
    // Inside an entered `tracing` span: nothing to write.
    async { ::ractor::cast!(counter, CounterMsg::Add(1)).expect("cast") }
        .instrument(tracing::info_span!("request"))
        .await;
    // Under a span opened with the OpenTelemetry API: one import.
    let manual = opentelemetry::global::tracer("test").start("manual");
    let cx = opentelemetry::Context::current_with_span(manual);
    let total = async {
        counter
            .traced_send_message(CounterMsg::Add(1))
            .expect("sent");
        counter
            .traced_call(CounterMsg::Get, None)
            .await
            .expect("called")
    }
    .with_context(cx.clone())
    .await;
    assert!(total.is_success());
    cx.span().end();
    counter.stop(None);
    handle.await.expect("stops");

    let tree = tracing.tree();
    let adds = tree.spans_named("counter.handle add");
    let parents: Vec<_> = adds.iter().map(|h| h.parent().map(|p| p.name())).collect();
    assert!(parents.contains(&Some("request")), "{parents:?}");
    assert!(
        parents.contains(&Some("counter.send_message")),
        "{parents:?}"
    );
    tree.span("counter.handle get")
        .assert_parent("counter.call");
    tree.span("counter.call")
        .assert_kind(SpanKind::Client)
        .assert_parent("manual");
    tree.span("counter.send_message")
        .assert_kind(SpanKind::Producer)
        .assert_parent("manual");
}
