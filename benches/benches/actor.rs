//! Actor call round trip and cast throughput: tracewire's runtime beside
//! kameo 0.22 and ractor 0.16 and a hand-written tokio actor, one run, one
//! runtime (tokio multi-thread, 2 workers, as on the machines we measure on).
//!
//! | variant | what it is |
//! | --- | --- |
//! | `bare` | the same actor by hand on tokio `mpsc` (capacity [`actor::DEFAULT_MAILBOX`]) + `oneshot`: the floor |
//! | `bare_timeout` | `bare` with each call in `tokio::time::timeout` (5 s): what a deadline per call costs |
//! | `kameo` | `#[derive(kameo::Actor)]`, `ask`/`tell`, kameo's default mailbox (bounded, 64) and default features |
//! | `ractor` | `impl ractor::Actor`, `call!`/`cast!`, ractor's default features (its mailbox is unbounded) |
//! | `tracewire_untraced` | tracewire's runtime, an `impl Actor` without `#[traced_actor]`, no tracing pipeline installed |
//! | `tracewire_untraced_pipeline` | the same actor with the sample-nothing pipeline `init()` would install |
//! | `tracewire_unsampled` | `#[traced_actor]`, the direct path, sampler `AlwaysOff` |
//! | `tracewire_sampled` | `#[traced_actor]`, the direct path, `AlwaysOn`, exported through a `BoundedSpanProcessor` to an exporter that drops every batch |
//!
//! Every variant runs its loop as a task on the runtime (the caller and the
//! actor are both tasks, as in a server), [`CALLS`] calls or [`CASTS`] casts
//! per iteration; a cast iteration ends with one call, answered once every
//! cast before it has been handled. Each cast of `cast::*` is sent from a
//! task with no span, so a traced cast starts a trace and makes a sampling
//! decision; `cast::in_request::*` sends the same casts from inside one
//! request span, as a traced handler does. Neither kameo nor ractor installs a
//! `tracing` subscriber, so their `tracing` instrumentation costs what it
//! costs a user who has none.
//!
//! Run with `cargo bench -p tracewire-benches --bench actor`.

use std::sync::OnceLock;

use tokio::runtime::Runtime;
use tokio::sync::{mpsc, oneshot};
use tracewire::actor::{self, Actor, ActorContext, ActorRef, NoMessage, StopReason};
use tracewire::prelude::*;
use tracewire_benches::{Sampling, SpanPath, install, select_path};

/// Calls per iteration of a call benchmark.
const CALLS: usize = 100;
/// Casts per iteration of a cast benchmark.
const CASTS: usize = 1_000;

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// Runs `body` as a task on the runtime and waits for it.
fn run<F>(body: F) -> u64
where
    F: Future<Output = u64> + Send + 'static,
{
    let rt = runtime();
    rt.block_on(rt.spawn(body)).expect("the loop ran")
}

/// The two requests every variant's actor takes: add to a total, read it.
trait Counter: Clone + Send + Sync + 'static {
    fn get(&self) -> impl Future<Output = u64> + Send;
    fn add(&self, n: u64) -> impl Future<Output = ()> + Send;
}

fn bench_calls<C: Counter>(bencher: divan::Bencher, counter: C) {
    bencher
        .counter(divan::counter::ItemsCount::new(CALLS))
        .bench_local(|| {
            let counter = counter.clone();
            run(async move {
                let mut last = 0;
                for _ in 0..CALLS {
                    last = counter.get().await;
                }
                last
            })
        });
}

fn bench_casts<C: Counter>(bencher: divan::Bencher, counter: C) {
    bencher
        .counter(divan::counter::ItemsCount::new(CASTS))
        .bench_local(|| run(casts(counter.clone())));
}

async fn casts<C: Counter>(counter: C) -> u64 {
    for _ in 0..CASTS {
        counter.add(1).await;
    }
    counter.get().await
}

/// The same casts from inside a request's span, as a traced handler sends
/// them: the request's sampling decision, made once, is what every cast
/// follows.
#[traced(name = "bench.request")]
async fn request<C: Counter>(counter: C) -> u64 {
    casts(counter).await
}

fn bench_casts_in_request<C: Counter>(bencher: divan::Bencher, counter: C) {
    bencher
        .counter(divan::counter::ItemsCount::new(CASTS))
        .bench_local(|| run(request(counter.clone())));
}

// ---- by hand ----------------------------------------------------------

enum BareMessage {
    Get(oneshot::Sender<u64>),
    Add(u64),
}

#[derive(Clone)]
struct Bare(mpsc::Sender<BareMessage>);

impl Bare {
    fn spawn() -> Self {
        let (tx, mut rx) = mpsc::channel(actor::DEFAULT_MAILBOX);
        runtime().spawn(async move {
            let mut total = 0u64;
            while let Some(message) = rx.recv().await {
                match message {
                    BareMessage::Get(reply) => {
                        let _ = reply.send(total);
                    }
                    BareMessage::Add(n) => total += n,
                }
            }
        });
        Bare(tx)
    }
}

impl Counter for Bare {
    async fn get(&self) -> u64 {
        let (reply, answer) = oneshot::channel();
        self.0.send(BareMessage::Get(reply)).await.expect("running");
        answer.await.expect("answered")
    }

    async fn add(&self, n: u64) {
        self.0.send(BareMessage::Add(n)).await.expect("running");
    }
}

#[derive(Clone)]
struct BareTimeout(mpsc::Sender<BareMessage>);

impl Counter for BareTimeout {
    async fn get(&self) -> u64 {
        tokio::time::timeout(std::time::Duration::from_secs(5), async {
            let (reply, answer) = oneshot::channel();
            self.0.send(BareMessage::Get(reply)).await.expect("running");
            answer.await.expect("answered")
        })
        .await
        .expect("in time")
    }

    async fn add(&self, n: u64) {
        self.0.send(BareMessage::Add(n)).await.expect("running");
    }
}

// ---- kameo ------------------------------------------------------------

#[derive(kameo::Actor)]
struct KameoCounter {
    total: u64,
}

struct Add(u64);
struct Get;

impl kameo::message::Message<Add> for KameoCounter {
    type Reply = ();

    async fn handle(&mut self, Add(n): Add, _: &mut kameo::message::Context<Self, ()>) {
        self.total += n;
    }
}

impl kameo::message::Message<Get> for KameoCounter {
    type Reply = u64;

    async fn handle(&mut self, _: Get, _: &mut kameo::message::Context<Self, u64>) -> u64 {
        self.total
    }
}

#[derive(Clone)]
struct Kameo(kameo::actor::ActorRef<KameoCounter>);

impl Kameo {
    fn spawn() -> Self {
        use kameo::actor::Spawn as _;
        let _rt = runtime().enter();
        Kameo(KameoCounter::spawn(KameoCounter { total: 0 }))
    }
}

impl Counter for Kameo {
    async fn get(&self) -> u64 {
        self.0.ask(Get).await.expect("answered")
    }

    async fn add(&self, n: u64) {
        self.0.tell(Add(n)).await.expect("running");
    }
}

// ---- ractor -----------------------------------------------------------

struct RactorCounter;

enum RactorMessage {
    Get(ractor::RpcReplyPort<u64>),
    Add(u64),
}

impl ractor::Actor for RactorCounter {
    type Msg = RactorMessage;
    type State = u64;
    type Arguments = ();

    async fn pre_start(
        &self,
        _: ractor::ActorRef<RactorMessage>,
        _: (),
    ) -> Result<u64, ractor::ActorProcessingErr> {
        Ok(0)
    }

    async fn handle(
        &self,
        _: ractor::ActorRef<RactorMessage>,
        message: RactorMessage,
        total: &mut u64,
    ) -> Result<(), ractor::ActorProcessingErr> {
        match message {
            RactorMessage::Get(reply) => reply.send(*total)?,
            RactorMessage::Add(n) => *total += n,
        }
        Ok(())
    }
}

#[derive(Clone)]
struct Ractor(ractor::ActorRef<RactorMessage>);

impl Ractor {
    fn spawn() -> Self {
        let (actor, _handle) = runtime()
            .block_on(ractor::Actor::spawn(None, RactorCounter, ()))
            .expect("the actor starts");
        Ractor(actor)
    }
}

impl Counter for Ractor {
    async fn get(&self) -> u64 {
        ractor::call!(self.0, RactorMessage::Get).expect("answered")
    }

    async fn add(&self, n: u64) {
        ractor::cast!(self.0, RactorMessage::Add(n)).expect("running");
    }
}

// ---- tracewire --------------------------------------------------------

#[derive(Message)]
enum CounterCall {
    Get,
}

#[derive(Message, Debug)]
enum CounterCast {
    Add(u64),
}

/// The counter on tracewire's runtime, once per attribute: the macro is
/// the only difference between the traced and untraced variants.
macro_rules! counter_actor {
    ($(#[$attr:meta])* $name:ident) => {
        struct $name {
            total: u64,
        }

        $(#[$attr])*
        impl Actor for $name {
            type Args = ();
            type Call = CounterCall;
            type Reply = u64;
            type Cast = CounterCast;
            type Info = NoMessage;

            async fn init(_args: ()) -> Result<Self, StopReason> {
                Ok($name { total: 0 })
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
    };
}

counter_actor!(
    /// The actor as tracewire users trace it.
    #[traced_actor]
    TracedCounter
);
counter_actor!(
    /// The same actor, not traced.
    PlainCounter
);

struct Tracewire<A: Actor>(ActorRef<A>);

impl<A: Actor> Clone for Tracewire<A> {
    fn clone(&self) -> Self {
        Tracewire(self.0.clone())
    }
}

impl<A> Counter for Tracewire<A>
where
    A: Actor<Call = CounterCall, Reply = u64, Cast = CounterCast, Args = ()>,
{
    async fn get(&self) -> u64 {
        self.0.call(CounterCall::Get).await.expect("answered")
    }

    async fn add(&self, n: u64) {
        self.0.cast(CounterCast::Add(n)).await.expect("running");
    }
}

/// What a tracewire variant runs under.
#[derive(Clone, Copy, Debug)]
enum Setup {
    /// Nothing installed: handlers go to OpenTelemetry's no-op global.
    Nothing,
    /// The record-path pipeline, sampling as said.
    Pipeline(Sampling),
}

fn tracewire<A>(setup: Setup) -> Tracewire<A>
where
    A: Actor<Call = CounterCall, Reply = u64, Cast = CounterCast, Args = ()>,
{
    match setup {
        Setup::Nothing => tracewire::export::clear_tracer_provider(),
        Setup::Pipeline(sampling) => {
            let _provider = install(sampling);
            select_path(SpanPath::Records);
        }
    }
    Tracewire(
        runtime()
            .block_on(actor::spawn::<A>(()))
            .expect("the actor starts"),
    )
}

/// Each scenario's variants, in the order the tables show them.
macro_rules! variants {
    ($bench:ident) => {
        #[divan::bench]
        fn bare(bencher: divan::Bencher) {
            $bench(bencher, Bare::spawn());
        }

        #[divan::bench]
        fn bare_timeout(bencher: divan::Bencher) {
            $bench(bencher, BareTimeout(Bare::spawn().0));
        }

        #[divan::bench]
        fn kameo(bencher: divan::Bencher) {
            $bench(bencher, Kameo::spawn());
        }

        #[divan::bench]
        fn ractor(bencher: divan::Bencher) {
            $bench(bencher, Ractor::spawn());
        }

        #[divan::bench]
        fn tracewire_untraced(bencher: divan::Bencher) {
            $bench(bencher, tracewire::<PlainCounter>(Setup::Nothing));
        }

        #[divan::bench]
        fn tracewire_untraced_pipeline(bencher: divan::Bencher) {
            $bench(
                bencher,
                tracewire::<PlainCounter>(Setup::Pipeline(Sampling::Unsampled)),
            );
        }

        #[divan::bench]
        fn tracewire_unsampled(bencher: divan::Bencher) {
            $bench(
                bencher,
                tracewire::<TracedCounter>(Setup::Pipeline(Sampling::Unsampled)),
            );
        }

        #[divan::bench]
        fn tracewire_sampled(bencher: divan::Bencher) {
            $bench(
                bencher,
                tracewire::<TracedCounter>(Setup::Pipeline(Sampling::Sampled)),
            );
        }
    };
}

mod call {
    use super::*;
    variants!(bench_calls);
}

mod cast {
    use super::*;
    variants!(bench_casts);

    /// The tracewire variants again, each iteration's casts inside one
    /// request span (`tracewire_untraced` is the same either way: an
    /// untraced actor's casts start no span wherever they are sent from).
    mod in_request {
        use super::super::*;

        #[divan::bench]
        fn tracewire_untraced_pipeline(bencher: divan::Bencher) {
            bench_casts_in_request(
                bencher,
                tracewire::<PlainCounter>(Setup::Pipeline(Sampling::Unsampled)),
            );
        }

        #[divan::bench]
        fn tracewire_unsampled(bencher: divan::Bencher) {
            bench_casts_in_request(
                bencher,
                tracewire::<TracedCounter>(Setup::Pipeline(Sampling::Unsampled)),
            );
        }

        #[divan::bench]
        fn tracewire_sampled(bencher: divan::Bencher) {
            bench_casts_in_request(
                bencher,
                tracewire::<TracedCounter>(Setup::Pipeline(Sampling::Sampled)),
            );
        }
    }
}

fn main() {
    divan::main();
}
