// `#[traced_actor]` on `impl ractor::Actor`, written both ways: through the
// path and through `use ractor::Actor`. The macro adds nothing to either impl
// (ractor's trait has no `NAME`); the handler spans are named per message
// variant, their kind follows the variant (a reply port makes it a call), and
// the state and `myself` are not recorded.
use ractor::{ActorProcessingErr, ActorRef, RpcReplyPort};
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct Counter;
struct Echo;

#[derive(Message)]
enum CounterMsg {
    Add(#[message(attr = "amount")] i64),
    Get(RpcReplyPort<i64>),
}

#[traced_actor]
impl ractor::Actor for Counter {
    type Msg = CounterMsg;
    type State = i64;
    type Arguments = i64;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        start: Self::Arguments,
    ) -> Result<i64, ActorProcessingErr> {
        Ok(start)
    }

    async fn handle(
        &self,
        _myself: ActorRef<Self::Msg>,
        message: Self::Msg,
        // Written as its type, not `Self::State`: still the state, by its
        // place in ractor's `handle`, so still not recorded.
        state: &mut i64,
    ) -> Result<(), ActorProcessingErr> {
        match message {
            CounterMsg::Add(n) => *state += n,
            CounterMsg::Get(reply) => reply.send(*state)?,
        }
        Ok(())
    }
}

mod spelled_with_use {
    use ractor::Actor;

    use super::*;

    #[traced_actor(name = "echo")]
    impl Actor for Echo {
        type Msg = String;
        type State = ();
        type Arguments = ();

        async fn pre_start(&self, _: ActorRef<String>, _: ()) -> Result<(), ActorProcessingErr> {
            Ok(())
        }

        async fn handle(
            &self,
            _myself: ActorRef<String>,
            _message: String,
            _state: &mut (),
        ) -> Result<(), ActorProcessingErr> {
            Ok(())
        }

        async fn post_stop(
            &self,
            _myself: ActorRef<String>,
            _state: &mut (),
        ) -> Result<(), ActorProcessingErr> {
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() {
    let tracing = TestTracing::install();
    let (counter, handle) = ractor::Actor::spawn(None, Counter, 40).await.expect("spawns");
    ractor::cast!(counter, CounterMsg::Add(2)).expect("sent");
    let total = ractor::call!(counter, CounterMsg::Get).expect("replied");
    assert_eq!(total, 42);
    counter.stop(None);
    handle.await.expect("stops");

    let (echo, handle) = ractor::Actor::spawn(None, Echo, ()).await.expect("spawns");
    echo.send_message("hi".to_owned()).expect("sent");
    // ractor handles a stop before queued messages: wait (bounded) until the
    // message has been handled before stopping.
    for _ in 0..500 {
        if !tracing.tree().spans_named("echo.handle string").is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    echo.stop(None);
    handle.await.expect("stops");

    let tree = tracing.tree();
    tree.span("counter.pre_start").assert_no_attr("start");
    let add = tree.span("counter.handle add");
    add.assert_kind(opentelemetry::trace::SpanKind::Consumer)
        .assert_attr("amount", 2i64)
        .assert_no_attr("state")
        .assert_no_attr("message");
    tree.span("counter.handle get")
        .assert_kind(opentelemetry::trace::SpanKind::Server);
    tree.span("echo.handle string")
        .assert_kind(opentelemetry::trace::SpanKind::Consumer);
    tree.span("echo.post_stop");
}
