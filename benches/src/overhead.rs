//! One handler, instrumented six ways: what `benches/benches/overhead.rs`
//! times and `benches/benches/callgrind.rs` counts instructions of.
//!
//! Every variant runs the same body ([`work`]) on the same arguments, opens a
//! span named [`SPAN_NAME`] of kind internal, records the same four
//! attributes (`user_id: u64`, `room: &str`, `admin: bool`, `score: f64`) in
//! its `4` form and none in its `0` form, and handles the `Result` the same
//! way: an `Err` marks the span failed, an `Ok` (what the body returns) leaves
//! its status unset.
//!
//! | variant | what it is |
//! | --- | --- |
//! | [`Untraced`] | the handler alone |
//! | [`OtelBare`] | the least the SDK allows: `tracer.start`, attributes only if recording, `end`; the span is never made current, so nothing nested under it would become its child |
//! | [`Handwritten`] | OpenTelemetry by hand, the usual span-per-handler code: `in_span`, `set_attributes`, `set_status` on `Err` |
//! | [`Tracewire`] | `#[tracewire::traced]`, on the direct path `init()` installs |
//! | [`TracewireSdk`] | the same handlers on the SDK path (a provider the user installs) |
//! | [`Tracing`] | `tracing`'s `#[instrument(err)]` with the `tracing-opentelemetry` layer |
//! | [`Fastrace`] | `fastrace`'s `#[trace]`, reporting to a reporter that drops everything |

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Once;
use std::task::{Context as TaskContext, Poll, Waker};

use opentelemetry::trace::{FutureExt as _, Span as _, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, ContextGuard, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;
use tokio::task::JoinHandle;
// In scope for the whole module, next to `#[traced]` async fns: the generated
// code must not pick up its by-value `instrument` method.
use tracing::Instrument as _;
use tracing_subscriber::layer::SubscriberExt as _;

use crate::{Sampling, install};

/// The span name every variant uses.
pub const SPAN_NAME: &str = "bench.handler";
/// The name of the span a child-scenario handler runs under.
pub const PARENT_NAME: &str = "bench.request";
/// The name of a spawned task's own span (`spawn_child`).
pub const TASK_NAME: &str = "bench.task";

/// A handler's arguments. Benchmarks pass it through `black_box`.
#[derive(Clone, Debug)]
pub struct Input {
    pub user_id: u64,
    pub room: String,
    pub admin: bool,
    pub score: f64,
}

impl Default for Input {
    fn default() -> Self {
        Input {
            user_id: 42,
            room: String::from("room:lobby"),
            admin: true,
            score: 0.75,
        }
    }
}

/// What every handler returns.
pub type Reply = Result<u64, HandlerError>;

/// The error a handler could return (the body never does for [`Input`]'s
/// values, but no variant can know that).
#[derive(Debug)]
pub struct HandlerError;

impl std::fmt::Display for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no such room")
    }
}

impl std::error::Error for HandlerError {}

/// The handler body: a little arithmetic on every argument.
#[inline(always)]
pub fn work(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    let h = user_id.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ^ room.len() as u64
        ^ u64::from(admin)
        ^ score.to_bits();
    if h == 0 { Err(HandlerError) } else { Ok(h) }
}

/// A future that is pending once (waking itself) and then ready: the one
/// `await` of the async handlers, so that each is polled twice.
pub struct YieldOnce(bool);

/// See [`YieldOnce`].
pub fn yield_once() -> YieldOnce {
    YieldOnce(false)
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Polls `future` to completion on this thread with a waker that does
/// nothing: the least executor there is, so that async handlers are measured
/// without a runtime's scheduling around them.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

/// The provider's tracer for hand-written code: the concrete SDK tracer,
/// the cheapest one (the boxed `global::tracer` costs an allocation per span).
fn tracer() -> &'static SdkTracer {
    static TRACER: std::sync::LazyLock<SdkTracer> = std::sync::LazyLock::new(|| {
        use opentelemetry::trace::TracerProvider as _;
        crate::provider().tracer("bench")
    });
    &TRACER
}

/// Installs the pipeline for `sampling`, plus the peers' own set-up (once):
/// the `tracing` subscriber with the `tracing-opentelemetry` layer on the
/// same provider, and fastrace's reporter.
///
/// The layer is configured to add nothing tracewire does not:
/// `with_location(false)`, `with_threads(false)`, `with_target(false)` and
/// `with_tracked_inactivity(false)` (its defaults add five attributes and
/// two timings to every span).
pub fn setup(sampling: Sampling) {
    let provider = install(sampling);
    static PEERS: Once = Once::new();
    PEERS.call_once(|| {
        use opentelemetry::trace::TracerProvider as _;
        let layer = tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("bench-tracing"))
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_tracked_inactivity(false);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global tracing subscriber");
        fastrace::set_reporter(NoopReporter, fastrace::collector::Config::default());
    });
}

/// A fastrace reporter that drops every batch.
struct NoopReporter;

impl fastrace::collector::Reporter for NoopReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        drop(spans);
    }
}

/// One way of instrumenting the handler.
pub trait Variant {
    /// The name in benchmark output and on `callgrind.sh`'s command line.
    const NAME: &'static str;
    /// A request span, current while this is alive: the parent in the
    /// child scenario.
    type Parent;

    /// Opens the request span the handler runs under in the child scenario.
    fn parent() -> Self::Parent;

    /// Called once before a benchmark: tracewire's variants choose the path
    /// their handler spans take.
    fn select() {}

    /// Called before every handler call in the child scenario. Only fastrace
    /// needs it (see [`FastraceParent`]).
    #[inline(always)]
    fn renew(parent: &mut Self::Parent) {
        let _ = parent;
    }

    /// The sync handler recording no attributes.
    fn sync0(input: &Input) -> Reply;
    /// The sync handler recording four attributes.
    fn sync4(input: &Input) -> Reply;
    /// The async handler (one `await`) recording no attributes.
    fn async0(input: &Input) -> impl Future<Output = Reply> + '_;
    /// The async handler (one `await`) recording four attributes.
    fn async4(input: &Input) -> impl Future<Output = Reply> + '_;
}

/// Spawning a task that runs under the spawner's context.
pub trait SpawnInherit: Variant {
    fn spawn<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

/// Spawning a task in a span of its own, a child of the spawner's.
pub trait SpawnChild: Variant {
    fn spawn_child<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

/// An OpenTelemetry request span, current until dropped.
pub struct OtelParent(#[allow(dead_code)] ContextGuard);

fn otel_parent() -> OtelParent {
    OtelParent(Context::current_with_span(tracer().start(PARENT_NAME)).attach())
}

// --- untraced ---------------------------------------------------------------

/// The handler without instrumentation; also a bare `tokio::spawn`.
pub struct Untraced;

#[inline(never)]
fn untraced_sync(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    work(user_id, room, admin, score)
}

#[inline(never)]
async fn untraced_async(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    yield_once().await;
    work(user_id, room, admin, score)
}

impl Variant for Untraced {
    const NAME: &'static str = "untraced";
    type Parent = ();
    fn parent() {}
    fn sync0(i: &Input) -> Reply {
        untraced_sync(i.user_id, &i.room, i.admin, i.score)
    }
    fn sync4(i: &Input) -> Reply {
        untraced_sync(i.user_id, &i.room, i.admin, i.score)
    }
    fn async0(i: &Input) -> impl Future<Output = Reply> + '_ {
        untraced_async(i.user_id, &i.room, i.admin, i.score)
    }
    fn async4(i: &Input) -> impl Future<Output = Reply> + '_ {
        untraced_async(i.user_id, &i.room, i.admin, i.score)
    }
}

impl SpawnInherit for Untraced {
    fn spawn<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(future)
    }
}

impl SpawnChild for Untraced {
    fn spawn_child<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(future)
    }
}

// --- OpenTelemetry, the least code ------------------------------------------

/// `tracer.start`, attributes if recording, `end`. Never current.
pub struct OtelBare;

fn four_attributes(user_id: u64, room: &str, admin: bool, score: f64) -> [KeyValue; 4] {
    [
        KeyValue::new("user_id", user_id as i64),
        KeyValue::new("room", room.to_owned()),
        KeyValue::new("admin", admin),
        KeyValue::new("score", score),
    ]
}

#[inline(never)]
fn bare_sync<const ATTRS: bool>(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    let mut span = tracer().start(SPAN_NAME);
    if ATTRS && span.is_recording() {
        span.set_attributes(four_attributes(user_id, room, admin, score));
    }
    let result = work(user_id, room, admin, score);
    if let Err(e) = &result {
        span.set_status(Status::error(e.to_string()));
    }
    span.end();
    result
}

#[inline(never)]
async fn bare_async<const ATTRS: bool>(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    let mut span = tracer().start(SPAN_NAME);
    if ATTRS && span.is_recording() {
        span.set_attributes(four_attributes(user_id, room, admin, score));
    }
    yield_once().await;
    let result = work(user_id, room, admin, score);
    if let Err(e) = &result {
        span.set_status(Status::error(e.to_string()));
    }
    span.end();
    result
}

impl Variant for OtelBare {
    const NAME: &'static str = "otel_bare";
    type Parent = OtelParent;
    fn parent() -> OtelParent {
        otel_parent()
    }
    fn sync0(i: &Input) -> Reply {
        bare_sync::<false>(i.user_id, &i.room, i.admin, i.score)
    }
    fn sync4(i: &Input) -> Reply {
        bare_sync::<true>(i.user_id, &i.room, i.admin, i.score)
    }
    fn async0(i: &Input) -> impl Future<Output = Reply> + '_ {
        bare_async::<false>(i.user_id, &i.room, i.admin, i.score)
    }
    fn async4(i: &Input) -> impl Future<Output = Reply> + '_ {
        bare_async::<true>(i.user_id, &i.room, i.admin, i.score)
    }
}

// --- OpenTelemetry by hand --------------------------------------------------

/// `in_span`, then `set_attributes`, then `set_status` on `Err`: the Rust
/// spelling of Elixir's `Tracer.with_span` / `set_attributes` / `set_status`.
pub struct Handwritten;

#[inline(never)]
fn handwritten_sync<const ATTRS: bool>(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    tracer().in_span(SPAN_NAME, |cx| {
        let span = cx.span();
        if ATTRS {
            span.set_attributes(four_attributes(user_id, room, admin, score));
        }
        let result = work(user_id, room, admin, score);
        if let Err(e) = &result {
            span.set_status(Status::error(e.to_string()));
        }
        result
    })
}

#[inline(never)]
async fn handwritten_async<const ATTRS: bool>(
    user_id: u64,
    room: &str,
    admin: bool,
    score: f64,
) -> Reply {
    let cx = Context::current_with_span(tracer().start(SPAN_NAME));
    if ATTRS {
        cx.span()
            .set_attributes(four_attributes(user_id, room, admin, score));
    }
    let result = async {
        yield_once().await;
        work(user_id, room, admin, score)
    }
    .with_context(cx.clone())
    .await;
    let span = cx.span();
    if let Err(e) = &result {
        span.set_status(Status::error(e.to_string()));
    }
    span.end();
    result
}

impl Variant for Handwritten {
    const NAME: &'static str = "handwritten";
    type Parent = OtelParent;
    fn parent() -> OtelParent {
        otel_parent()
    }
    fn sync0(i: &Input) -> Reply {
        handwritten_sync::<false>(i.user_id, &i.room, i.admin, i.score)
    }
    fn sync4(i: &Input) -> Reply {
        handwritten_sync::<true>(i.user_id, &i.room, i.admin, i.score)
    }
    fn async0(i: &Input) -> impl Future<Output = Reply> + '_ {
        handwritten_async::<false>(i.user_id, &i.room, i.admin, i.score)
    }
    fn async4(i: &Input) -> impl Future<Output = Reply> + '_ {
        handwritten_async::<true>(i.user_id, &i.room, i.admin, i.score)
    }
}

impl SpawnInherit for Handwritten {
    fn spawn<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(future.with_context(Context::current()))
    }
}

impl SpawnChild for Handwritten {
    fn spawn_child<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        // The span ends when the task's context is dropped, at completion.
        let cx = Context::current_with_span(tracer().start(TASK_NAME));
        tokio::spawn(future.with_context(cx))
    }
}

// --- tracewire ---------------------------------------------------------------

/// `#[tracewire::traced]`.
pub struct Tracewire;

#[tracewire::traced(name = "bench.handler", skip_all)]
#[inline(never)]
fn tracewire_sync0(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    work(user_id, room, admin, score)
}

#[tracewire::traced(name = "bench.handler")]
#[inline(never)]
fn tracewire_sync4(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    work(user_id, room, admin, score)
}

#[tracewire::traced(name = "bench.handler", skip_all)]
#[inline(never)]
async fn tracewire_async0(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    yield_once().await;
    work(user_id, room, admin, score)
}

#[tracewire::traced(name = "bench.handler")]
#[inline(never)]
async fn tracewire_async4(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    yield_once().await;
    work(user_id, room, admin, score)
}

/// The same handlers on the SDK path: the handler spans are SDK spans, as
/// with a provider installed with `set_handler_sampled_tracer_provider`.
pub struct TracewireSdk;

/// One variant per span path: the handlers and spawns are the same, only
/// the path `select` installs differs.
macro_rules! tracewire_variant {
    ($variant:ident, $name:literal, $path:ident) => {
        impl Variant for $variant {
            const NAME: &'static str = $name;
            type Parent = OtelParent;
            fn select() {
                crate::select_path(crate::SpanPath::$path);
            }
            fn parent() -> OtelParent {
                otel_parent()
            }
            fn sync0(i: &Input) -> Reply {
                tracewire_sync0(i.user_id, &i.room, i.admin, i.score)
            }
            fn sync4(i: &Input) -> Reply {
                tracewire_sync4(i.user_id, &i.room, i.admin, i.score)
            }
            fn async0(i: &Input) -> impl Future<Output = Reply> + '_ {
                tracewire_async0(i.user_id, &i.room, i.admin, i.score)
            }
            fn async4(i: &Input) -> impl Future<Output = Reply> + '_ {
                tracewire_async4(i.user_id, &i.room, i.admin, i.score)
            }
        }

        impl SpawnInherit for $variant {
            fn spawn<F>(future: F) -> JoinHandle<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                tracewire::spawn(future)
            }
        }

        impl SpawnChild for $variant {
            fn spawn_child<F>(future: F) -> JoinHandle<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                tracewire::spawn_child(TASK_NAME, future)
            }
        }
    };
}

tracewire_variant!(Tracewire, "tracewire", Records);
tracewire_variant!(TracewireSdk, "tracewire_sdk", Sdk);

// --- tracing + tracing-opentelemetry -----------------------------------------

/// `#[tracing::instrument(err)]` through `tracing-opentelemetry`.
pub struct Tracing;

#[tracing::instrument(name = "bench.handler", skip_all, err)]
#[inline(never)]
fn tracing_sync0(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    work(user_id, room, admin, score)
}

#[tracing::instrument(name = "bench.handler", err)]
#[inline(never)]
fn tracing_sync4(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    work(user_id, room, admin, score)
}

#[tracing::instrument(name = "bench.handler", skip_all, err)]
#[inline(never)]
async fn tracing_async0(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    yield_once().await;
    work(user_id, room, admin, score)
}

#[tracing::instrument(name = "bench.handler", err)]
#[inline(never)]
async fn tracing_async4(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    yield_once().await;
    work(user_id, room, admin, score)
}

impl Variant for Tracing {
    const NAME: &'static str = "tracing";
    type Parent = tracing::span::EnteredSpan;
    fn parent() -> tracing::span::EnteredSpan {
        tracing::info_span!(PARENT_NAME).entered()
    }
    fn sync0(i: &Input) -> Reply {
        tracing_sync0(i.user_id, &i.room, i.admin, i.score)
    }
    fn sync4(i: &Input) -> Reply {
        tracing_sync4(i.user_id, &i.room, i.admin, i.score)
    }
    fn async0(i: &Input) -> impl Future<Output = Reply> + '_ {
        tracing_async0(i.user_id, &i.room, i.admin, i.score)
    }
    fn async4(i: &Input) -> impl Future<Output = Reply> + '_ {
        tracing_async4(i.user_id, &i.room, i.admin, i.score)
    }
}

impl SpawnInherit for Tracing {
    fn spawn<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(future.in_current_span())
    }
}

impl SpawnChild for Tracing {
    fn spawn_child<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(future.instrument(tracing::info_span!(TASK_NAME)))
    }
}

// --- fastrace ----------------------------------------------------------------

/// `#[fastrace::trace]`. Its properties are strings, so the four attributes
/// are formatted (lazily, only when the span is sampled).
pub struct Fastrace;

#[fastrace::trace(name = "bench.handler")]
#[inline(never)]
fn fastrace_sync0(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    work(user_id, room, admin, score)
}

#[fastrace::trace(
    name = "bench.handler",
    properties = { "user_id": "{user_id}", "room": "{room}", "admin": "{admin}", "score": "{score}" }
)]
#[inline(never)]
fn fastrace_sync4(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    work(user_id, room, admin, score)
}

#[fastrace::trace(name = "bench.handler")]
#[inline(never)]
async fn fastrace_async0(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    yield_once().await;
    work(user_id, room, admin, score)
}

#[fastrace::trace(
    name = "bench.handler",
    properties = { "user_id": "{user_id}", "room": "{room}", "admin": "{admin}", "score": "{score}" }
)]
#[inline(never)]
async fn fastrace_async4(user_id: u64, room: &str, admin: bool, score: f64) -> Reply {
    yield_once().await;
    work(user_id, room, admin, score)
}

/// fastrace's `#[trace]` records only under a local parent, and a local
/// parent holds at most 10,240 finished spans before it drops new ones; its
/// spans are shipped when the parent's guard is dropped. So the request span
/// is renewed every [`FastraceParent::CALLS`] calls, and each call pays its
/// share of that, as it would in a server handling requests.
pub struct FastraceParent {
    calls: u32,
    // Field order: the guard is dropped before the span it is for.
    guard: Option<fastrace::local::LocalParentGuard>,
    span: Option<fastrace::Span>,
}

impl FastraceParent {
    /// Calls per request span.
    pub const CALLS: u32 = 1024;

    fn open() -> Self {
        let sampled = crate::current_sampling() == Sampling::Sampled;
        let context = fastrace::collector::SpanContext::random().sampled(sampled);
        let span = fastrace::Span::root(PARENT_NAME, context);
        FastraceParent {
            calls: 0,
            guard: Some(span.set_local_parent()),
            span: Some(span),
        }
    }
}

impl Variant for Fastrace {
    const NAME: &'static str = "fastrace";
    type Parent = FastraceParent;
    fn parent() -> FastraceParent {
        FastraceParent::open()
    }
    #[inline(always)]
    fn renew(parent: &mut FastraceParent) {
        parent.calls += 1;
        if parent.calls == FastraceParent::CALLS {
            renew_fastrace(parent);
        }
    }
    fn sync0(i: &Input) -> Reply {
        fastrace_sync0(i.user_id, &i.room, i.admin, i.score)
    }
    fn sync4(i: &Input) -> Reply {
        fastrace_sync4(i.user_id, &i.room, i.admin, i.score)
    }
    fn async0(i: &Input) -> impl Future<Output = Reply> + '_ {
        fastrace_async0(i.user_id, &i.room, i.admin, i.score)
    }
    fn async4(i: &Input) -> impl Future<Output = Reply> + '_ {
        fastrace_async4(i.user_id, &i.room, i.admin, i.score)
    }
}

#[cold]
#[inline(never)]
fn renew_fastrace(parent: &mut FastraceParent) {
    parent.guard.take();
    parent.span.take();
    *parent = FastraceParent::open();
}

impl SpawnChild for Fastrace {
    fn spawn_child<F>(future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        use fastrace::future::FutureExt as _;
        tokio::spawn(future.in_span(fastrace::Span::enter_with_local_parent(TASK_NAME)))
    }
}
