//! Behaviour of `#[traced_actor]`, `#[traced_channel]` and `#[traced]`,
//! asserted on the spans they really produce.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use opentelemetry::trace::{SpanKind, TraceContextExt, Tracer};
use opentelemetry::{Context, Value};
use opentelemetry_sdk::trace::Sampler;
use tracewire::prelude::*;
use tracewire::semconv;
use tracewire::testing::TestTracing;

#[derive(Debug, PartialEq)]
struct DbError(&'static str);

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "database unavailable: {}", self.0)
    }
}

struct UserCache {
    users: Vec<u64>,
}

#[traced_actor]
impl UserCache {
    #[span(fields(cache_size = self.users.len(), cache.kind = "vec"))]
    async fn get_user(&mut self, user_id: u64, region: &str) -> Result<u64, DbError> {
        tokio::task::yield_now().await;
        self.users
            .iter()
            .copied()
            .find(|u| *u == user_id)
            .ok_or(DbError("miss"))
    }

    fn handle_call(&self, ratio: f64, urgent: bool, label: String) -> usize {
        let _ = (ratio, urgent, label);
        self.users.len()
    }

    fn handle_cast(&mut self, user_id: u32) {
        self.users.push(u64::from(user_id));
    }

    #[span(name = "cache.warm_up", kind = producer)]
    fn warm(&self) {}

    #[untraced]
    fn helper(&self) -> usize {
        self.users.len()
    }
}

#[tokio::test]
async fn actor_span_names_kinds_and_typed_attributes() {
    let tracing = TestTracing::install();
    let mut cache = UserCache { users: vec![1, 2] };
    assert_eq!(cache.get_user(2, "eu").await, Ok(2));
    assert_eq!(cache.handle_call(0.5, true, "x".into()), 2);
    cache.handle_cast(9);
    cache.warm();
    assert_eq!(cache.helper(), 3);

    let tree = tracing.tree();
    tree.assert_shape(
        "
        user_cache.get_user
        user_cache.handle_call
        user_cache.handle_cast
        cache.warm_up
        ",
    );
    tree.span("user_cache.get_user")
        .assert_root()
        .assert_kind(SpanKind::Internal)
        .assert_attr("user_id", 2i64)
        .assert_attr("region", "eu")
        .assert_attr("cache_size", 2i64)
        .assert_attr("cache.kind", "vec")
        .assert_status_unset();
    tree.span("user_cache.handle_call")
        .assert_kind(SpanKind::Server)
        .assert_attr("ratio", 0.5)
        .assert_attr("urgent", true)
        .assert_attr("label", "x");
    tree.span("user_cache.handle_cast")
        .assert_kind(SpanKind::Consumer)
        .assert_attr("user_id", 9i64);
    tree.span("cache.warm_up").assert_kind(SpanKind::Producer);
    // Typed values, never Debug strings.
    assert_eq!(
        tree.span("user_cache.get_user").attr("user_id"),
        Some(&Value::I64(2))
    );
}

#[tokio::test]
async fn err_sets_status_error_type_and_exception_event() {
    let tracing = TestTracing::install();
    let mut cache = UserCache { users: vec![] };
    assert_eq!(cache.get_user(7, "us").await, Err(DbError("miss")));

    let tree = tracing.tree();
    let error_type = std::any::type_name::<DbError>();
    tree.span("user_cache.get_user")
        .assert_status_error("database unavailable: miss")
        .assert_attr(semconv::ERROR_TYPE, error_type)
        .assert_event_attr(
            semconv::EXCEPTION_EVENT,
            semconv::EXCEPTION_TYPE,
            error_type,
        )
        .assert_event_attr(
            semconv::EXCEPTION_EVENT,
            semconv::EXCEPTION_MESSAGE,
            "database unavailable: miss",
        );
}

/// A reply type of the user's own, mapped through `SpanOutcome`.
enum JoinReply {
    Joined { members: u32 },
    Refused(String),
}

impl SpanOutcome for JoinReply {
    fn span_outcome(&self) -> Outcome<'_> {
        match self {
            JoinReply::Joined { .. } => Outcome::Unset,
            JoinReply::Refused(reason) => Outcome::error("join_refused", reason),
        }
    }
}

struct Socket {
    user_id: u64,
}

struct RoomChannel;

#[traced_channel(topic = "room:*")]
impl RoomChannel {
    // A connect argument is the client's, left out unless asked for.
    #[span(record(token))]
    fn connect(token: &str) -> Option<Socket> {
        (token == "valid").then_some(Socket { user_id: 7 })
    }

    #[span(fields(user.id = socket.user_id))]
    async fn join(&self, topic: &str, socket: &Socket) -> JoinReply {
        let _ = socket;
        if topic == "room:lobby" {
            JoinReply::Joined { members: 3 }
        } else {
            JoinReply::Refused(format!("{topic} is private"))
        }
    }

    #[event("message:new")]
    #[span(redact(body))]
    async fn new_message(&self, body: String, socket: &mut Socket) -> Result<(), DbError> {
        let _ = (body, socket);
        Ok(())
    }

    #[event("typing:start")]
    #[span(skip_all)]
    fn typing(&self, user: u64) {
        let _ = user;
    }

    #[handle_out("message:new")]
    fn push_message(&self, recipient: u64) {
        let _ = recipient;
    }

    fn terminate(&self, reason: &str) {
        let _ = reason;
    }
}

#[tokio::test]
async fn channel_span_names_kinds_and_reply_outcomes() {
    let tracing = TestTracing::install();
    let channel = RoomChannel;
    let mut socket = RoomChannel::connect("valid").expect("valid token");
    assert!(matches!(
        channel.join("room:lobby", &socket).await,
        JoinReply::Joined { members: 3 }
    ));
    assert!(matches!(
        channel.join("room:vip", &socket).await,
        JoinReply::Refused(_)
    ));
    channel
        .new_message("secret text".into(), &mut socket)
        .await
        .expect("ok");
    channel.typing(7);
    channel.push_message(8);
    channel.terminate("leave");

    let tree = tracing.tree();
    tree.span("socket.connect")
        .assert_kind(SpanKind::Server)
        .assert_attr("token", "valid");
    let joins = tree.spans_named("room.join");
    assert_eq!(joins.len(), 2, "{tree}");
    joins[0]
        .assert_kind(SpanKind::Server)
        .assert_attr("topic", "room:lobby")
        .assert_attr("user.id", 7i64)
        .assert_status_unset();
    joins[1]
        .assert_status_error("room:vip is private")
        .assert_attr(semconv::ERROR_TYPE, "join_refused")
        .assert_event_attr(
            semconv::EXCEPTION_EVENT,
            semconv::EXCEPTION_TYPE,
            "join_refused",
        );
    tree.span("room.handle_in message:new")
        .assert_kind(SpanKind::Server)
        .assert_attr("body", semconv::REDACTED)
        .assert_status_unset();
    tree.span("room.handle_in typing:start")
        .assert_no_attr("user");
    tree.span("room.handle_out message:new")
        .assert_kind(SpanKind::Consumer)
        .assert_attr("recipient", 8i64);
    tree.span("room.terminate")
        .assert_kind(SpanKind::Internal)
        .assert_attr("reason", "leave");
}

static EXPENSIVE_CALLS: AtomicUsize = AtomicUsize::new(0);

fn expensive(n: u64) -> u64 {
    EXPENSIVE_CALLS.fetch_add(1, Ordering::SeqCst);
    n * 2
}

#[traced(fields(doubled = expensive(n)))]
fn lazily_recorded(n: u64) -> u64 {
    n + 1
}

#[test]
fn attribute_expressions_run_only_for_recording_spans() {
    {
        let tracing = TestTracing::with_sampler(Sampler::AlwaysOff);
        EXPENSIVE_CALLS.store(0, Ordering::SeqCst);
        assert_eq!(lazily_recorded(4), 5);
        assert_eq!(EXPENSIVE_CALLS.load(Ordering::SeqCst), 0);
        assert!(tracing.tree().is_empty());
    }
    let tracing = TestTracing::install();
    assert_eq!(lazily_recorded(4), 5);
    assert_eq!(EXPENSIVE_CALLS.load(Ordering::SeqCst), 1);
    tracing
        .tree()
        .span("lazily_recorded")
        .assert_attr("doubled", 8i64)
        .assert_attr("n", 4i64);
}

#[traced]
fn sync_panics(n: u32) -> u32 {
    if n > 0 {
        panic!("bad input {n}");
    }
    n
}

#[traced]
async fn async_panics(n: u32) -> u32 {
    tokio::task::yield_now().await;
    if n > 0 {
        std::panic::panic_any(String::from("async bad input"));
    }
    n
}

#[tokio::test]
async fn panics_are_recorded_and_continue_unchanged() {
    let tracing = TestTracing::install();
    let payload = std::panic::catch_unwind(|| sync_panics(3)).expect_err("panics");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("bad input 3")
    );

    let joined = tokio::spawn(async_panics(1)).await.expect_err("panics");
    let payload = joined.into_panic();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("async bad input")
    );

    let tree = tracing.tree();
    tree.span("sync_panics")
        .assert_status_error("bad input 3")
        .assert_attr(semconv::ERROR_TYPE, semconv::PANIC_TYPE)
        .assert_event_attr(
            semconv::EXCEPTION_EVENT,
            semconv::EXCEPTION_MESSAGE,
            "bad input 3",
        );
    tree.span("async_panics")
        .assert_status_error("async bad input")
        .assert_event_attr(
            semconv::EXCEPTION_EVENT,
            semconv::EXCEPTION_MESSAGE,
            "async bad input",
        );
}

#[traced]
async fn waits_forever() {
    std::future::pending::<()>().await;
}

#[tokio::test]
async fn a_dropped_handler_future_ends_its_span_as_cancelled() {
    let tracing = TestTracing::install();
    let timed_out = tokio::time::timeout(Duration::from_millis(10), waits_forever()).await;
    assert!(timed_out.is_err());

    tracing
        .tree()
        .span("waits_forever")
        .assert_attr(semconv::CANCELLED, true)
        .assert_event(semconv::CANCELLED_EVENT)
        .assert_status_unset();
}

struct Pipeline;

#[traced_actor]
impl Pipeline {
    async fn outer(&self) -> usize {
        let before = Context::current().span().span_context().span_id();
        // Several polls on a multi-threaded runtime: the span must be current
        // on each of them.
        for _ in 0..3 {
            tokio::task::yield_now().await;
            assert_eq!(Context::current().span().span_context().span_id(), before);
        }
        let plain = opentelemetry::global::tracer("plain");
        plain.in_span("plain.otel", |_| ());
        self.inner(1).await + self.sync_inner()
    }

    async fn inner(&self, depth: u8) -> usize {
        tokio::time::sleep(Duration::from_millis(1)).await;
        usize::from(depth)
    }

    fn sync_inner(&self) -> usize {
        2
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_handlers_and_plain_spans_are_children() {
    let tracing = TestTracing::install();
    assert_eq!(Pipeline.outer().await, 3);

    let tree = tracing.tree();
    tree.assert_shape(
        "
        pipeline.outer
          plain.otel
          pipeline.inner
          pipeline.sync_inner
        ",
    );
    tree.span("pipeline.inner")
        .assert_parent("pipeline.outer")
        .assert_same_trace("pipeline.outer");
    tree.span("plain.otel").assert_parent("pipeline.outer");
}

/// An HTTP-like response whose own outcome decides.
struct Response {
    status: u16,
}

impl SpanOutcome for Response {
    fn span_outcome(&self) -> Outcome<'_> {
        if self.status >= 400 {
            Outcome::error("http_error", &self.status)
        } else {
            Outcome::Unset
        }
    }
}

/// An error that names its own `error.type`.
#[derive(Debug)]
enum ApiError {
    Timeout,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("upstream timed out")
    }
}

impl SpanOutcome for ApiError {
    fn span_outcome(&self) -> Outcome<'_> {
        Outcome::error("timeout", self)
    }
}

/// An error with no `Display` at all.
#[derive(Debug)]
struct Opaque;

#[traced]
fn fetch(status: u16) -> Result<Response, ApiError> {
    if status == 0 {
        Err(ApiError::Timeout)
    } else {
        Ok(Response { status })
    }
}

#[traced]
fn opaque() -> Result<(), Opaque> {
    Err(Opaque)
}

#[test]
fn result_values_and_errors_are_asked_for_their_own_outcome() {
    let tracing = TestTracing::install();
    assert!(fetch(200).is_ok());
    assert!(fetch(503).is_ok());
    assert!(fetch(0).is_err());
    assert!(opaque().is_err());

    let tree = tracing.tree();
    let fetches = tree.spans_named("fetch");
    fetches[0].assert_status_unset();
    // An `Ok` carrying a failed response is a failure.
    fetches[1]
        .assert_status_error("503")
        .assert_attr(semconv::ERROR_TYPE, "http_error");
    // An error type names its own `error.type`.
    fetches[2]
        .assert_status_error("upstream timed out")
        .assert_attr(semconv::ERROR_TYPE, "timeout");
    // No `Display`: still a failure, named by its type.
    tree.span("opaque")
        .assert_attr(semconv::ERROR_TYPE, std::any::type_name::<Opaque>())
        .assert_event(semconv::EXCEPTION_EVENT);
}
