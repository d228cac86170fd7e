//! The `tracing` bridge: `tracing` spans and events in and around traced
//! handlers, and the handoff span that takes a context through a mailbox.

use opentelemetry::logs::AnyValue;
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry::{Context, trace::SpanContext};
use opentelemetry_sdk::logs::{InMemoryLogExporter, SdkLoggerProvider};
use tracewire::export::terminal::{RenderOptions, render_trace};
use tracewire::prelude::*;
use tracewire::testing::TestTracing;
use tracewire::tracing::GlobalSubscriber;
use tracing::Instrument as _;

fn current_span_context() -> SpanContext {
    Context::current().span().span_context().clone()
}

#[traced]
fn checkout(cart: u64) -> u64 {
    tracing::info_span!("charge", items = 2_i64).in_scope(|| cart * 2)
}

#[test]
fn a_tracing_span_inside_a_handler_is_its_child() {
    let tracing = TestTracing::install();
    assert_eq!(checkout(7), 14);
    let tree = tracing.tree();
    tree.assert_shape(
        "
        checkout
          charge
        ",
    );
    tree.span("charge").assert_attr("items", 2_i64);
}

#[test]
fn a_handler_inside_an_entered_tracing_span_is_its_child() {
    let tracing = TestTracing::install();
    tracing::info_span!("request").in_scope(|| checkout(1));
    tracing.tree().assert_shape(
        "
        request
          checkout
            charge
        ",
    );
}

#[traced]
async fn fetch(id: u64) -> u64 {
    tokio::task::yield_now().await;
    tracing::info_span!("db.query").in_scope(|| id + 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_in_an_instrumented_future_on_another_task_is_its_child() {
    let tracing = TestTracing::install();
    let job = tokio::spawn(
        async {
            tokio::task::yield_now().await;
            fetch(1).await + fetch(2).await
        }
        .instrument(tracing::info_span!("job")),
    );
    assert_eq!(job.await.unwrap(), 5);
    tracing.tree().assert_shape(
        "
        job
          fetch
            db.query
          fetch
            db.query
        ",
    );
}

#[traced]
fn pay(amount: u64) {
    tracing::info!(amount, currency = "EUR", "paid {amount}");
    tracing::warn!(retries = 2_u64, slow = true, "slow gateway");
}

#[test]
fn tracing_events_in_a_handler_are_events_of_its_span() {
    let tracing = TestTracing::install();
    pay(42);
    tracing
        .tree()
        .span("pay")
        .assert_event_attr("paid 42", "amount", 42_i64)
        .assert_event_attr("paid 42", "currency", "EUR")
        .assert_event_attr("paid 42", "level", "INFO")
        .assert_event_attr("slow gateway", "level", "WARN")
        .assert_event_attr("slow gateway", "retries", 2_i64)
        .assert_event_attr("slow gateway", "slow", true);
}

#[traced]
fn ship(parcel: u64) {
    tracing::info!(parcel, "packing");
    let _label = tracing::info_span!("label").entered();
    tracing::info!("printed");
}

#[traced]
fn sort(parcel: u64) {
    let belt = tracing::info_span!("belt", parcel);
    // Not entered: the event names its span.
    tracing::info!(parent: &belt, "on the belt");
    tracing::info!("sorted");
}

#[test]
fn an_event_with_an_explicit_parent_goes_to_that_span() {
    let tracing = TestTracing::install();
    sort(4);
    let tree = tracing.tree();
    tree.span("belt")
        .assert_parent("sort")
        .assert_event("on the belt")
        .assert_no_event("sorted");
    tree.span("sort")
        .assert_event("sorted")
        .assert_no_event("on the belt");
}

#[test]
fn an_event_in_a_nested_tracing_span_goes_to_that_span_only() {
    let tracing = TestTracing::install();
    ship(3);
    let tree = tracing.tree();
    tree.span("label")
        .assert_parent("ship")
        .assert_event("printed")
        .assert_no_event("packing");
    tree.span("ship")
        .assert_event_attr("packing", "parcel", 3_i64)
        .assert_no_event("printed");
}

#[traced]
fn receive() -> SpanContext {
    current_span_context()
}

#[traced]
async fn receive_later() {
    tokio::task::yield_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_span_makes_its_context_current_and_is_not_exported() {
    let tracing = TestTracing::install();
    let sender = tracing.provider().tracer("tests").start("sender");
    let cx = Context::current_with_span(sender);
    let sent = cx.span().span_context().clone();

    let handoff = tracewire::__private::handoff_span(&cx);
    let (inside, handler) = handoff.in_scope(|| {
        let _inner = tracing::info_span!("inside").entered();
        (current_span_context(), receive())
    });
    assert_eq!(inside.trace_id(), sent.trace_id());
    assert_ne!(handler, sent);
    assert_ne!(current_span_context(), sent, "detached on exit");

    // On another task of the multi-thread runtime, on whichever worker
    // polls it.
    let seen = tokio::spawn(
        async {
            let seen = current_span_context();
            receive_later().await;
            (seen, current_span_context())
        }
        .instrument(tracewire::__private::handoff_span(&cx)),
    )
    .await
    .unwrap();
    assert_eq!(seen, (sent.clone(), sent));

    cx.span().end();
    let tree = tracing.tree();
    tree.assert_shape(
        "
        sender
          inside
            receive
          receive_later
        ",
    );
    assert!(tree.spans_named("tracewire.handoff").is_empty());
}

#[traced]
fn on_message(n: u64) -> u64 {
    n
}

/// kameo (with its `tracing` feature) runs each handler in a new root span
/// `actor.handle_message` that follows from the sender's span, then from
/// its own actor span. Built here as kameo builds it, with kameo's target.
fn kameo_handler_span(sender: &tracing::Span) -> tracing::Span {
    let lifecycle = tracing::info_span!(target: "kameo::actor::spawn", "actor.lifecycle");
    let span = tracing::info_span!(
        target: "kameo::actor::kind",
        parent: None,
        "actor.handle_message",
        actor.name = "Counter",
        message = "Inc",
    );
    span.follows_from(sender);
    span.follows_from(&lifecycle);
    span
}

#[test]
fn a_kameo_handler_span_runs_in_the_context_of_the_span_it_follows_from() {
    let tracing = TestTracing::install();
    let send = tracing::info_span!("send");
    kameo_handler_span(&send).in_scope(|| on_message(1));

    let sender = tracing.provider().tracer("tests").start("sender");
    let cx = Context::current_with_span(sender);
    let handoff = tracewire::__private::handoff_span(&cx);
    kameo_handler_span(&handoff).in_scope(|| on_message(2));
    cx.span().end();

    // Sent from no span at all: nothing to follow but kameo's own span.
    kameo_handler_span(&tracing::Span::none()).in_scope(|| on_message(3));
    drop(send);

    let tree = tracing.tree();
    tree.assert_shape(
        "
        send
          on_message
        actor.lifecycle
        sender
          on_message
        actor.lifecycle
        actor.lifecycle
        on_message
        ",
    );
    assert!(tree.spans_named("actor.handle_message").is_empty());
}

#[traced]
fn audit(user: u64) {
    tracing::info!(user, "audited");
    tracing::info_span!("store").in_scope(|| tracing::warn!("stored late"));
}

#[test]
fn tracing_events_become_log_records_with_the_trace_and_span_ids() {
    let tracing = TestTracing::install();
    let exporter = InMemoryLogExporter::default();
    let provider = SdkLoggerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    tracewire::tracing::set_logger_provider(&provider);
    audit(9);
    tracewire::tracing::clear_logger_provider();
    tracing::info!("not a log record any more");

    let logs = exporter.get_emitted_logs().unwrap();
    let tree = tracing.tree();
    let ids = |name: &str| {
        let sc = &tree.span(name).data().span_context;
        (sc.trace_id(), sc.span_id())
    };
    let record = |body: &str| {
        let found: Vec<_> = logs
            .iter()
            .map(|log| &log.record)
            .filter(|record| record.body() == Some(&AnyValue::String(body.to_owned().into())))
            .collect();
        assert_eq!(found.len(), 1, "one log record {body:?} in {logs:?}");
        let cx = found[0].trace_context().expect("a trace context");
        (found[0].severity_text(), (cx.trace_id, cx.span_id))
    };
    assert_eq!(record("audited"), (Some("INFO"), ids("audit")));
    assert_eq!(record("stored late"), (Some("WARN"), ids("store")));
    assert_eq!(logs.len(), 2);
}

#[test]
fn init_installs_the_global_subscriber_unless_asked_not_to() {
    // Holds the capture lock: `init` replaces the tracer provider.
    let tracing = TestTracing::install();
    let telemetry = tracewire::Telemetry::builder()
        .env_vars([("TRACEWIRE_TERMINAL", "off")])
        .tracing_subscriber(false)
        .install()
        .unwrap();
    assert_eq!(
        telemetry.tracing_subscriber(),
        GlobalSubscriber::NotInstalled
    );
    drop(telemetry);

    // `TestTracing` installed it first in this process: it stays.
    let telemetry = tracewire::Telemetry::builder()
        .env_vars([("TRACEWIRE_TERMINAL", "off")])
        .install()
        .unwrap();
    assert_eq!(telemetry.tracing_subscriber(), GlobalSubscriber::Installed);
    drop(telemetry);
    drop(tracing);
}

#[test]
fn the_terminal_tree_shows_tracing_events_under_their_spans() {
    let tracing = TestTracing::install();
    ship(5);
    let text = render_trace(&tracing.spans(), &RenderOptions::plain(100));
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(lines.len(), 4, "\n{text}");
    assert!(lines[0].starts_with("ship "), "\n{text}");
    assert!(lines[1].starts_with("│  · INFO packing +"), "\n{text}");
    assert!(lines[1].ends_with(" {parcel=5}"), "\n{text}");
    assert!(lines[2].starts_with("└─ label "), "\n{text}");
    assert!(lines[3].starts_with("      · INFO printed +"), "\n{text}");
}
