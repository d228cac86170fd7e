//! The actor runtime, traced: calls, casts, timeouts, panics, timers,
//! supervision and tasks, asserted on captured spans.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry::trace::{SpanKind, Tracer};
use tracewire::actor::supervisor::{ChildSpec, Restart, Strategy, Supervisor};
use tracewire::actor::task::{TaskError, TaskSupervisor};
use tracewire::actor::{self, Actor, ActorContext, CallError, SendError, StopReason};
use tracewire::prelude::*;
use tracewire::semconv;
use tracewire::testing::TestTracing;

struct UserCache {
    users: HashMap<u64, String>,
}

#[derive(Message, Debug)]
enum CacheCall {
    GetUser {
        #[message(attr)]
        user_id: u64,
    },
    Slow {
        millis: u64,
    },
    Crash,
}

#[derive(Message, Debug)]
enum CacheCast {
    Refresh {
        #[message(attr)]
        user_id: u64,
    },
    Block(#[message(attr = "block.millis")] u64),
}

#[derive(Message, Debug)]
enum CacheInfo {
    Expire,
}

#[derive(Debug, PartialEq)]
enum CacheReply {
    User(String),
    Done,
}

#[traced_actor]
impl Actor for UserCache {
    type Args = u64;
    type Call = CacheCall;
    type Reply = CacheReply;
    type Cast = CacheCast;
    type Info = CacheInfo;

    async fn init(preload: u64) -> Result<Self, StopReason> {
        if preload == 404 {
            return Err(StopReason::error("database unreachable"));
        }
        let users = (0..preload).map(|id| (id, format!("User {id}"))).collect();
        Ok(UserCache { users })
    }

    #[span(fields(cache_size = self.users.len()))]
    async fn handle_call(&mut self, msg: CacheCall, ctx: &mut ActorContext<Self>) -> CacheReply {
        let _ = ctx;
        match msg {
            CacheCall::GetUser { user_id } => {
                let user = self
                    .users
                    .entry(user_id)
                    .or_insert_with(|| format!("User {user_id}"));
                CacheReply::User(user.clone())
            }
            CacheCall::Slow { millis } => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                CacheReply::Done
            }
            CacheCall::Crash => panic!("cache corrupted"),
        }
    }

    async fn handle_cast(&mut self, msg: CacheCast, ctx: &mut ActorContext<Self>) {
        match msg {
            CacheCast::Refresh { user_id } => {
                self.users.insert(user_id, format!("Fresh {user_id}"));
                ctx.send_after(CacheInfo::Expire, Duration::from_millis(5));
            }
            CacheCast::Block(millis) => tokio::time::sleep(Duration::from_millis(millis)).await,
        }
    }

    async fn handle_info(&mut self, msg: CacheInfo, ctx: &mut ActorContext<Self>) {
        let _ = ctx;
        let CacheInfo::Expire = msg;
        self.users.clear();
    }

    async fn terminate(&mut self, reason: &StopReason) {
        let _ = reason;
    }
}

fn caller() -> opentelemetry::global::BoxedTracer {
    opentelemetry::global::tracer("test")
}

#[tokio::test]
async fn call_gives_a_client_span_parent_of_the_server_span() {
    let tracing = TestTracing::install();
    let cache = actor::spawn::<UserCache>(2).await.expect("starts");
    let reply = caller()
        .in_span("request", |cx| {
            let cache = cache.clone();
            async move { cache.call(CacheCall::GetUser { user_id: 1 }).await }.with_cx(&cx)
        })
        .await;
    assert_eq!(reply, Ok(CacheReply::User("User 1".into())));

    let tree = tracing.tree();
    tree.span("user_cache.init").assert_attr("preload", 2i64);
    tree.span("user_cache.call get_user")
        .assert_parent("request")
        .assert_kind(SpanKind::Client)
        .assert_attr("user_id", 1i64)
        .assert_status_unset();
    tree.span("user_cache.handle_call get_user")
        .assert_parent("user_cache.call get_user")
        .assert_kind(SpanKind::Server)
        .assert_attr("user_id", 1i64)
        .assert_attr("cache_size", 2i64);
}

/// Runs a future under a given context, for the tests' plain root spans.
trait WithCx: std::future::Future + Sized {
    fn with_cx(self, cx: &opentelemetry::Context) -> opentelemetry::context::WithContext<Self> {
        use opentelemetry::context::FutureExt as _;
        self.with_context(cx.clone())
    }
}
impl<F: std::future::Future> WithCx for F {}

#[tokio::test]
async fn cast_gives_a_producer_span_parent_of_the_handler_span() {
    let tracing = TestTracing::install();
    let cache = actor::spawn::<UserCache>(0).await.expect("starts");
    cache
        .cast(CacheCast::Refresh { user_id: 5 })
        .await
        .expect("sent");
    // A call after the cast is handled after it: the mailbox is ordered.
    let reply = cache.call(CacheCall::GetUser { user_id: 5 }).await;
    assert_eq!(reply, Ok(CacheReply::User("Fresh 5".into())));

    let tree = tracing.tree();
    tree.span("user_cache.cast refresh")
        .assert_root()
        .assert_kind(SpanKind::Producer)
        .assert_attr("user_id", 5i64);
    tree.span("user_cache.handle_cast refresh")
        .assert_parent("user_cache.cast refresh")
        .assert_kind(SpanKind::Consumer);
}

#[tokio::test]
async fn a_timer_message_starts_a_trace_linked_to_its_scheduler() {
    let tracing = TestTracing::install();
    let cache = actor::spawn::<UserCache>(0).await.expect("starts");
    cache
        .cast(CacheCast::Refresh { user_id: 5 })
        .await
        .expect("sent");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let tree = tracing.tree();
    tree.span("user_cache.handle_info expire")
        .assert_root()
        .assert_kind(SpanKind::Consumer)
        .assert_linked_to("user_cache.handle_cast refresh");
}

#[tokio::test]
async fn a_call_timeout_marks_the_client_span() {
    let tracing = TestTracing::install();
    let cache = actor::spawn::<UserCache>(0).await.expect("starts");
    let reply = cache
        .call_timeout(CacheCall::Slow { millis: 200 }, Duration::from_millis(20))
        .await;
    assert_eq!(reply, Err(CallError::Timeout(Duration::from_millis(20))));
    tracing
        .tree()
        .span("user_cache.call slow")
        .assert_status_error("call timed out after 20ms")
        .assert_attr(semconv::ERROR_TYPE, "timeout")
        .assert_event_attr(semconv::EXCEPTION_EVENT, semconv::EXCEPTION_TYPE, "timeout");
}

#[tokio::test]
async fn a_panicking_handler_answers_with_an_error_and_stops_the_actor() {
    let tracing = TestTracing::install();
    let cache = actor::spawn::<UserCache>(0).await.expect("starts");
    let reply = cache.call(CacheCall::Crash).await;
    assert_eq!(reply, Err(CallError::Panicked("cache corrupted".into())));
    cache.stopped().await;
    assert!(!cache.is_running());
    assert_eq!(
        cache.call(CacheCall::GetUser { user_id: 1 }).await,
        Err(CallError::NotRunning)
    );

    let tree = tracing.tree();
    tree.span("user_cache.handle_call crash")
        .assert_status_error("cache corrupted")
        .assert_event_attr(
            semconv::EXCEPTION_EVENT,
            semconv::EXCEPTION_MESSAGE,
            "cache corrupted",
        );
    tree.span("user_cache.call crash")
        .assert_attr(semconv::ERROR_TYPE, "panic");
    tree.span("user_cache.terminate")
        .assert_attr("reason", "panic: cache corrupted");
}

#[tokio::test]
async fn a_failing_init_is_an_error_span_and_an_error_value() {
    let tracing = TestTracing::install();
    let started = actor::spawn::<UserCache>(404).await;
    assert_eq!(
        started.err(),
        Some(StopReason::Error("database unreachable".into()))
    );
    tracing
        .tree()
        .span("user_cache.init")
        .assert_status_error("error: database unreachable");
}

#[tokio::test]
async fn stop_runs_terminate_with_the_reason_and_registry_finds_running_actors() {
    let tracing = TestTracing::install();
    let cache = actor::spawn::<UserCache>(0).await.expect("starts");
    cache.register("cache:main");
    let found = actor::whereis::<UserCache>("cache:main").expect("registered");
    assert_eq!(
        found.call(CacheCall::GetUser { user_id: 3 }).await,
        Ok(CacheReply::User("User 3".into()))
    );
    cache.stop(StopReason::Normal).await.expect("stops");
    assert!(actor::whereis::<UserCache>("cache:main").is_none());
    tracing
        .tree()
        .span("user_cache.terminate")
        .assert_attr("reason", "normal");
}

#[tokio::test]
async fn the_mailbox_is_bounded_and_try_cast_reports_full() {
    let _tracing = TestTracing::install();
    let cache = actor::Spawn::<UserCache>::new(0)
        .mailbox(2)
        .start()
        .await
        .expect("starts");
    // The actor is busy in the first cast; two more fill the mailbox.
    cache.cast(CacheCast::Block(200)).await.expect("sent");
    tokio::time::sleep(Duration::from_millis(20)).await;
    cache.try_cast(CacheCast::Block(0)).expect("room for one");
    cache.try_cast(CacheCast::Block(0)).expect("room for two");
    match cache.try_cast(CacheCast::Block(7)) {
        Err(SendError::Full(CacheCast::Block(7))) => {}
        other => panic!("expected the message back as Full, got {other:?}"),
    }
}

#[tokio::test]
async fn a_supervisor_restarts_a_crashed_actor_one_for_one_and_records_it() {
    let tracing = TestTracing::install();
    let (spec, cache) = ChildSpec::actor::<UserCache>(1);
    let supervisor = Supervisor::builder("app")
        .strategy(Strategy::OneForOne)
        .child(spec)
        .start()
        .await
        .expect("starts");
    assert!(cache.call(CacheCall::Crash).await.is_err());
    // The same handle reaches the restarted actor.
    let reply = cache.call(CacheCall::GetUser { user_id: 0 }).await;
    assert_eq!(reply, Ok(CacheReply::User("User 0".into())));
    assert_eq!(supervisor.restarts(), 1);
    supervisor.shutdown().await;

    let tree = tracing.tree();
    let restart = tree
        .span("app.restart")
        .assert_attr("child.name", "user_cache")
        .assert_attr("restart.reason", "panic: cache corrupted")
        .assert_attr("restart.count", 1i64)
        .assert_attr("supervisor.strategy", "one_for_one");
    let inits = tree.spans_named("user_cache.init");
    assert_eq!(inits.len(), 2, "{tree}");
    inits[1].assert_parent(restart.name());
}

struct Logger;

#[derive(Message, Debug)]
enum LoggerCall {
    Ping,
}

#[traced_actor]
impl Actor for Logger {
    type Args = ();
    type Call = LoggerCall;
    type Reply = &'static str;
    type Cast = actor::NoMessage;
    type Info = actor::NoMessage;

    async fn init(_args: ()) -> Result<Self, StopReason> {
        Ok(Logger)
    }

    async fn handle_call(&mut self, msg: LoggerCall, ctx: &mut ActorContext<Self>) -> &'static str {
        let _ = (msg, ctx);
        "pong"
    }

    async fn terminate(&mut self, reason: &StopReason) {
        let _ = reason;
    }
}

#[tokio::test]
async fn one_for_all_restarts_every_child() {
    let tracing = TestTracing::install();
    let (cache_spec, cache) = ChildSpec::actor::<UserCache>(0);
    let (logger_spec, logger) = ChildSpec::actor::<Logger>(());
    let supervisor = Supervisor::builder("app")
        .strategy(Strategy::OneForAll)
        .child(logger_spec)
        .child(cache_spec)
        .start()
        .await
        .expect("starts");
    assert!(cache.call(CacheCall::Crash).await.is_err());
    assert_eq!(logger.call(LoggerCall::Ping).await, Ok("pong"));
    assert!(cache.call(CacheCall::GetUser { user_id: 1 }).await.is_ok());
    supervisor.shutdown().await;

    let tree = tracing.tree();
    tree.span("app.restart")
        .assert_attr("supervisor.strategy", "one_for_all");
    let logger_terminations = tree.spans_named("logger.terminate");
    assert_eq!(logger_terminations.len(), 2, "{tree}");
    logger_terminations[0].assert_attr("reason", "shutdown");
    assert_eq!(tree.spans_named("logger.init").len(), 2, "{tree}");
    assert_eq!(tree.spans_named("user_cache.init").len(), 2, "{tree}");
}

#[tokio::test]
async fn exceeding_the_restart_intensity_stops_the_supervisor() {
    let tracing = TestTracing::install();
    let (spec, cache) = ChildSpec::actor::<UserCache>(0);
    let supervisor = Supervisor::builder("app")
        .intensity(2, Duration::from_secs(10))
        .child(spec.restart(Restart::Permanent))
        .start()
        .await
        .expect("starts");
    for _ in 0..3 {
        let _ = cache.call(CacheCall::Crash).await;
    }
    let stopped = supervisor.wait().await;
    let reason = stopped.expect_err("gave up");
    assert!(reason.to_string().contains("restart intensity"), "{reason}");
    assert!(!cache.is_running());
    let tree = tracing.tree();
    let restarts = tree.spans_named("app.restart");
    assert_eq!(restarts.len(), 3, "{tree}");
    restarts[2].assert_attr(semconv::ERROR_TYPE, "restart_intensity");
}

#[tokio::test]
async fn a_transient_child_is_not_restarted_after_a_normal_stop() {
    let _tracing = TestTracing::install();
    let (spec, cache) = ChildSpec::actor::<UserCache>(0);
    let supervisor = Supervisor::builder("app")
        .child(spec.restart(Restart::Transient))
        .start()
        .await
        .expect("starts");
    cache.stop(StopReason::Normal).await.expect("stops");
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!cache.is_running());
    assert_eq!(supervisor.restarts(), 0);
    supervisor.shutdown().await;
}

#[traced(name = "report.fetch")]
async fn fetch(source: &'static str, millis: u64) -> &'static str {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    source
}

#[traced(name = "report.generate")]
async fn generate(tasks: &TaskSupervisor) -> Vec<Result<&'static str, TaskError>> {
    let fast = tasks.async_linked(fetch("users", 1));
    let crashing = tasks.async_nolink(async { panic!("analytics down") });
    let slow = tasks.async_nolink(fetch("transactions", 500));
    vec![
        fast.await_timeout(Duration::from_secs(1)).await,
        crashing.await_timeout(Duration::from_secs(1)).await,
        slow.await_timeout(Duration::from_millis(20)).await,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_supervisor_async_nolink_and_await_timeout_propagate_context() {
    let tracing = TestTracing::install();
    let tasks = TaskSupervisor::new();
    let results = generate(&tasks).await;
    assert_eq!(
        results,
        vec![
            Ok("users"),
            Err(TaskError::Panicked("analytics down".into())),
            Err(TaskError::Timeout(Duration::from_millis(20))),
        ]
    );
    assert_eq!(tasks.started(), 3);

    // Aborting a task drops its future on the runtime shortly after; wait
    // (bounded) for the aborted task's span to end.
    let mut tree = tracing.tree();
    for _ in 0..200 {
        if tree.spans_named("report.fetch").len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        tree = tracing.tree();
    }
    let fetches = tree.spans_named("report.fetch");
    assert_eq!(fetches.len(), 2, "{tree}");
    for fetch in &fetches {
        fetch.assert_parent("report.generate");
    }
    // The timed-out task was aborted: its span ended as cancelled.
    fetches
        .iter()
        .find(|s| s.attr("source") == Some(&"transactions".into()))
        .expect("slow fetch")
        .assert_attr(semconv::CANCELLED, true);
}

#[tokio::test]
async fn a_linked_task_panic_resumes_in_the_awaiting_caller() {
    let _tracing = TestTracing::install();
    let tasks = TaskSupervisor::new();
    let crashing = tasks.async_linked(async { panic!("linked crash") });
    let awaited = tokio::spawn(crashing.await_timeout(Duration::from_secs(1))).await;
    let payload = awaited.expect_err("the caller crashed too").into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"linked crash"));
}

/// An actor written without `#[traced_actor]`.
struct Plain;

#[derive(Message, Debug)]
enum PlainCall {
    Lookup,
    Slow(u64),
}

#[derive(Message, Debug)]
enum PlainCast {
    Note,
}

impl Actor for Plain {
    type Args = ();
    type Call = PlainCall;
    type Reply = u64;
    type Cast = PlainCast;
    type Info = actor::NoMessage;

    async fn init(_args: ()) -> Result<Self, StopReason> {
        Ok(Plain)
    }

    async fn handle_call(&mut self, msg: PlainCall, _ctx: &mut ActorContext<Self>) -> u64 {
        match msg {
            PlainCall::Lookup => lookup(),
            PlainCall::Slow(millis) => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                millis
            }
        }
    }

    async fn handle_cast(&mut self, _msg: PlainCast, _ctx: &mut ActorContext<Self>) {
        note();
    }
}

#[traced(name = "plain.lookup")]
fn lookup() -> u64 {
    7
}

#[traced(name = "plain.note")]
fn note() {}

#[traced(name = "request")]
async fn request_to(plain: &actor::ActorRef<Plain>) {
    assert_eq!(plain.call(PlainCall::Lookup).await, Ok(7));
    plain.cast(PlainCast::Note).await.expect("running");
    plain.try_cast(PlainCast::Note).expect("room");
}

#[tokio::test]
async fn an_untraced_actor_starts_no_span_but_carries_the_callers_context() {
    let tracing = TestTracing::install();
    let plain = actor::spawn::<Plain>(()).await.expect("starts");
    request_to(&plain).await;
    // `stop` waits for the casts already in the mailbox.
    plain.stop(StopReason::Normal).await.expect("stops");

    let tree = tracing.tree();
    for name in [
        "plain.call lookup",
        "plain.cast note",
        "plain.handle_call lookup",
    ] {
        assert!(tree.spans_named(name).is_empty(), "{name}: {tree}");
    }
    tree.span("plain.lookup")
        .assert_parent("request")
        .assert_same_trace("request");
    let notes = tree.spans_named("plain.note");
    assert_eq!(notes.len(), 2, "{tree}");
    for note in notes {
        note.assert_parent("request");
    }
}

/// A traced actor with a deadline on every call.
struct Deadline;

#[traced_actor]
impl Actor for Deadline {
    type Args = ();
    type Call = PlainCall;
    type Reply = u64;
    type Cast = actor::NoMessage;
    type Info = actor::NoMessage;

    const CALL_TIMEOUT: Option<Duration> = Some(Duration::from_millis(20));

    async fn init(_args: ()) -> Result<Self, StopReason> {
        Ok(Deadline)
    }

    async fn handle_call(&mut self, msg: PlainCall, _ctx: &mut ActorContext<Self>) -> u64 {
        match msg {
            PlainCall::Lookup => 0,
            PlainCall::Slow(millis) => {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                millis
            }
        }
    }
}

#[tokio::test]
async fn call_waits_for_the_reply_unless_the_actor_sets_a_call_timeout() {
    let tracing = TestTracing::install();
    // No deadline by default: a reply that takes a while still arrives.
    let plain = actor::spawn::<Plain>(()).await.expect("starts");
    assert_eq!(plain.call(PlainCall::Slow(60)).await, Ok(60));
    // `call_timeout` bounds one call of an actor without a deadline.
    assert_eq!(
        plain
            .call_timeout(PlainCall::Slow(200), Duration::from_millis(10))
            .await,
        Err(CallError::Timeout(Duration::from_millis(10)))
    );

    // `Actor::CALL_TIMEOUT` bounds every `call`.
    let deadline = actor::spawn::<Deadline>(()).await.expect("starts");
    assert_eq!(deadline.call(PlainCall::Lookup).await, Ok(0));
    assert_eq!(
        deadline.call(PlainCall::Slow(200)).await,
        Err(CallError::Timeout(Duration::from_millis(20)))
    );
    let tree = tracing.tree();
    tree.span("deadline.call slow")
        .assert_kind(SpanKind::Client)
        .assert_status_error("call timed out after 20ms")
        .assert_attr(semconv::ERROR_TYPE, "timeout");
    tree.span("deadline.call lookup").assert_status_unset();
    assert!(tree.spans_named("plain.call slow").is_empty(), "{tree}");
}

#[tokio::test]
async fn a_call_dropped_while_waiting_ends_its_client_span_cancelled() {
    let tracing = TestTracing::install();
    let cache = actor::spawn::<UserCache>(0).await.expect("starts");
    // The caller gives up on its own (a `select!` or timeout of its own):
    // the call's future is dropped while it waits for the reply.
    let gave_up = tokio::time::timeout(
        Duration::from_millis(20),
        cache.call(CacheCall::Slow { millis: 200 }),
    )
    .await;
    assert!(gave_up.is_err());
    cache.stop(StopReason::Normal).await.expect("stops");

    let tree = tracing.tree();
    tree.span("user_cache.call slow")
        .assert_kind(SpanKind::Client)
        .assert_attr(semconv::CANCELLED, true)
        .assert_event(semconv::CANCELLED_EVENT);
    // The handler ran to its end under the client span all the same.
    tree.span("user_cache.handle_call slow")
        .assert_parent("user_cache.call slow")
        .assert_same_trace("user_cache.call slow");
}
