//! Trace context carried into spawned work and across channels, asserted on
//! captured spans.

use std::time::Duration;

use opentelemetry::trace::{SpanKind, TraceContextExt as _, Tracer};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::task::JoinSet;
use tracewire::FutureExt as _;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

/// A plain OpenTelemetry span, so the test sees which context the work
/// really ran under.
fn work(name: &'static str) {
    opentelemetry::global::tracer("test").in_span(name, |_| ());
}

async fn async_work(name: &'static str) {
    tokio::task::yield_now().await;
    work(name);
}

struct Spawner;

#[traced_actor]
impl Spawner {
    async fn full_paths(&self) {
        tokio::spawn(async_work("tokio.spawn"))
            .await
            .expect("joins");
        tokio::task::spawn(async_work("tokio.task.spawn"))
            .await
            .expect("joins");
        tokio::task::spawn_blocking(|| work("spawn_blocking"))
            .await
            .expect("joins");
        std::thread::spawn(|| work("std.thread.spawn"))
            .join()
            .expect("joins");
        std::thread::Builder::new()
            .name("worker".into())
            .spawn(|| work("std.thread.builder"))
            .expect("spawns")
            .join()
            .expect("joins");
        tokio::runtime::Handle::current()
            .spawn(async_work("handle.spawn"))
            .await
            .expect("joins");
        let mut set = JoinSet::new();
        set.spawn(async_work("joinset.spawn"));
        set.spawn_blocking(|| work("joinset.spawn_blocking"));
        while let Some(done) = set.join_next().await {
            done.expect("joins");
        }
    }

    async fn imported(&self) {
        use std::thread::spawn as thread_spawn;
        use tokio::spawn;
        use tokio::task::spawn_blocking;
        spawn(async_work("imported.spawn")).await.expect("joins");
        spawn_blocking(|| work("imported.spawn_blocking"))
            .await
            .expect("joins");
        thread_spawn(|| work("imported.thread_spawn"))
            .join()
            .expect("joins");
    }

    /// Spawns inside macro input: the macros see these as tokens only.
    async fn in_macros(&self) {
        let (a, b) = tokio::join!(
            tokio::spawn(async_work("join.spawn")),
            tokio::task::spawn_blocking(|| work("join.spawn_blocking")),
        );
        a.expect("joins");
        b.expect("joins");
        tokio::select! {
            done = tokio::spawn(async_work("select.spawn")) => done.expect("joins"),
            () = std::future::pending::<()>() => {}
        }
        let handles = vec![tokio::spawn(async_work("vec.spawn"))];
        for handle in handles {
            handle.await.expect("joins");
        }
        let mut set = JoinSet::new();
        println!("{:?}", set.spawn(async_work("format_args.joinset")).id());
        set.join_next().await.expect("one task").expect("joins");
        assert_eq!(
            stringify!(tokio::spawn(async_work("quoted"))),
            "tokio::spawn(async_work(\"quoted\"))"
        );
    }

    async fn local(&self) {
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                tokio::task::spawn_local(async_work("spawn_local"))
                    .await
                    .expect("joins");
            })
            .await;
    }

    /// A user's own `spawn` fn and method with other argument types.
    fn unrelated_spawns(&self) -> u32 {
        fn spawn(n: u32) -> u32 {
            n + 1
        }
        struct Pool;
        impl Pool {
            fn spawn(&self, label: &str, weight: u32) -> u32 {
                label.len() as u32 + weight
            }
            fn spawn_blocking(&self, f: impl Fn(u32) -> u32) -> u32 {
                f(1)
            }
        }
        assert_eq!(spawn(1), 2, "a spawn in macro input keeps its meaning");
        spawn(1) + Pool.spawn("ab", 3) + Pool.spawn_blocking(|x| x * 10)
    }

    #[span(propagate = false)]
    async fn opted_out(&self) {
        tokio::spawn(async_work("not.propagated"))
            .await
            .expect("joins");
    }

    async fn three_deep(&self) {
        tokio::spawn(async {
            work("depth.1");
            tokio::spawn(async {
                work("depth.2");
                std::thread::spawn(|| {
                    work("depth.3");
                })
                .join()
                .expect("joins");
            })
            .await
            .expect("joins");
        })
        .await
        .expect("joins");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_sites_are_rewritten_full_paths_builders_and_joinsets() {
    let tracing = TestTracing::install();
    Spawner.full_paths().await;
    let tree = tracing.tree();
    for name in [
        "tokio.spawn",
        "tokio.task.spawn",
        "spawn_blocking",
        "std.thread.spawn",
        "std.thread.builder",
        "handle.spawn",
        "joinset.spawn",
        "joinset.spawn_blocking",
    ] {
        tree.span(name).assert_parent("spawner.full_paths");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_sites_are_rewritten_when_imported() {
    let tracing = TestTracing::install();
    Spawner.imported().await;
    let tree = tracing.tree();
    for name in [
        "imported.spawn",
        "imported.spawn_blocking",
        "imported.thread_spawn",
    ] {
        tree.span(name).assert_parent("spawner.imported");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_sites_inside_macro_input_are_rewritten() {
    let tracing = TestTracing::install();
    Spawner.in_macros().await;
    let tree = tracing.tree();
    for name in [
        "join.spawn",
        "join.spawn_blocking",
        "select.spawn",
        "vec.spawn",
        "format_args.joinset",
    ] {
        tree.span(name).assert_parent("spawner.in_macros");
    }
}

#[tokio::test]
async fn spawn_local_is_rewritten() {
    let tracing = TestTracing::install();
    Spawner.local().await;
    tracing
        .tree()
        .span("spawn_local")
        .assert_parent("spawner.local");
}

#[test]
fn unrelated_spawn_fns_compile_and_run_unchanged() {
    let _tracing = TestTracing::install();
    assert_eq!(Spawner.unrelated_spawns(), 2 + 5 + 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propagate_false_opts_out() {
    let tracing = TestTracing::install();
    Spawner.opted_out().await;
    let tree = tracing.tree();
    tree.span("not.propagated").assert_root();
    tree.span("spawner.opted_out").assert_root();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_spawns_three_deep_keep_the_chain() {
    let tracing = TestTracing::install();
    Spawner.three_deep().await;
    let tree = tracing.tree();
    for depth in ["depth.1", "depth.2", "depth.3"] {
        tree.span(depth).assert_parent("spawner.three_deep");
    }
}

#[traced(name = "explicit.parent")]
async fn explicit_flavours() {
    tracewire::spawn(async_work("inherit.future"))
        .await
        .expect("joins");
    tracewire::spawn_blocking(|| work("inherit.blocking"))
        .await
        .expect("joins");
    tracewire::spawn_child("child.future", async_work("inside.child.future"))
        .await
        .expect("joins");
    tracewire::spawn_blocking_child("child.blocking", || work("inside.child.blocking"))
        .await
        .expect("joins");
    tracewire::spawn_linked("linked.future", async_work("inside.linked.future"))
        .await
        .expect("joins");
    tracewire::spawn_blocking_linked("linked.blocking", || work("inside.linked.blocking"))
        .await
        .expect("joins");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_api_inherit_child_and_linked() {
    let tracing = TestTracing::install();
    // Outside any traced body, so nothing is rewritten: the explicit API
    // alone carries the context.
    let root = tracewire::spawn(explicit_flavours());
    root.await.expect("joins");
    let tree = tracing.tree();
    tree.span("inherit.future").assert_parent("explicit.parent");
    tree.span("inherit.blocking")
        .assert_parent("explicit.parent");
    tree.span("child.future").assert_parent("explicit.parent");
    tree.span("inside.child.future")
        .assert_parent("child.future");
    tree.span("child.blocking").assert_parent("explicit.parent");
    tree.span("inside.child.blocking")
        .assert_parent("child.blocking");
    tree.span("linked.future")
        .assert_root()
        .assert_linked_to("explicit.parent");
    tree.span("inside.linked.future")
        .assert_parent("linked.future");
    tree.span("linked.blocking")
        .assert_root()
        .assert_linked_to("explicit.parent");
    tree.span("inside.linked.blocking")
        .assert_parent("linked.blocking");
}

#[tokio::test]
async fn future_ext_flavours_work_on_any_executor() {
    let tracing = TestTracing::install();
    let tracer = opentelemetry::global::tracer("test");
    let span = tracer.start("outer");
    let cx = opentelemetry::Context::current_with_span(span);
    let (inherit, child, linked) = {
        let _current = cx.clone().attach();
        (
            async_work("ext.inherit").in_current_context(),
            async_work("ext.child.work").in_child_span("ext.child"),
            async_work("ext.linked.work").in_linked_span("ext.linked"),
        )
    };
    // Run them with no context current at all.
    inherit.await;
    child.await;
    linked.await;
    drop(cx);
    let tree = tracing.tree();
    tree.span("ext.inherit").assert_parent("outer");
    tree.span("ext.child.work").assert_parent("ext.child");
    tree.span("ext.child").assert_parent("outer");
    tree.span("ext.linked")
        .assert_root()
        .assert_linked_to("outer");
}

struct Worker;

#[traced_actor]
impl Worker {
    /// A `Traced<M>` argument makes the span a child of the sender's.
    fn handle_cast(&self, job: Traced<u32>) -> u32 {
        *job * 2
    }

    /// `link = ..`: a new span under the current context, linked to the
    /// sender's.
    #[span(link = job)]
    fn handle_info(&self, job: Traced<&'static str>) -> usize {
        job.len()
    }

    /// `parent = ..` with a plain context.
    #[span(parent = cx)]
    fn resume(&self, cx: opentelemetry::Context) {
        let _ = cx;
    }
}

#[traced(name = "sender", kind = producer)]
fn send_job(tx: &mpsc::UnboundedSender<Traced<u32>>, job: u32) {
    tx.send(Traced::new(job)).expect("receiver alive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traced_messages_over_mpsc_oneshot_and_broadcast() {
    let tracing = TestTracing::install();

    let (tx, mut rx) = mpsc::unbounded_channel();
    send_job(&tx, 21);
    let receiver = tokio::spawn(async move {
        let job = rx.recv().await.expect("sent");
        Worker.handle_cast(job)
    });
    assert_eq!(receiver.await.expect("joins"), 42);

    let tree = tracing.tree();
    tree.span("worker.handle_cast")
        .assert_parent("sender")
        .assert_kind(SpanKind::Consumer);
    tree.span("sender").assert_kind(SpanKind::Producer);
    tracing.reset();

    let (once_tx, once_rx) = oneshot::channel();
    let (bcast_tx, mut bcast_rx) = broadcast::channel(4);
    {
        let _tracer = opentelemetry::global::tracer("test");
        let root = opentelemetry::global::tracer("test").start("publisher");
        let cx = opentelemetry::Context::current_with_span(root);
        let _current = cx.attach();
        once_tx.send(Traced::new("hello")).expect("receiver alive");
        bcast_tx
            .send(Traced::new("fanout"))
            .expect("receiver alive");
    }
    let once = once_rx.await.expect("sent");
    let fan = bcast_rx.recv().await.expect("sent");
    assert_eq!(Worker.handle_info(once), 5);
    assert_eq!(Worker.handle_info(fan), 6);
    let resumed = opentelemetry::global::tracer("test").start("resumable");
    Worker.resume(opentelemetry::Context::new().with_span(resumed));

    let tree = tracing.tree();
    for linked in tree.spans_named("worker.handle_info") {
        linked.assert_root().assert_linked_to("publisher");
    }
    assert_eq!(tree.spans_named("worker.handle_info").len(), 2, "{tree}");
    tree.span("worker.resume").assert_parent("resumable");
}

#[traced(name = "isolation.handler")]
async fn isolated(id: u64) -> u64 {
    tokio::task::yield_now().await;
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_micros(id % 7)).await;
        child(id);
    })
    .await
    .expect("joins");
    id
}

#[traced(name = "isolation.child")]
fn child(id: u64) {
    let _ = id;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_tasks_each_keep_their_own_parent() {
    const TASKS: u64 = 10_000;
    let tracing = TestTracing::install();
    let mut set = JoinSet::new();
    for id in 0..TASKS {
        set.spawn(isolated(id));
    }
    let mut finished = 0;
    while let Some(done) = set.join_next().await {
        done.expect("joins");
        finished += 1;
    }
    assert_eq!(finished, TASKS);

    let tree = tracing.tree();
    let parents = tree.spans_named("isolation.handler");
    let children = tree.spans_named("isolation.child");
    assert_eq!(parents.len() as u64, TASKS);
    assert_eq!(children.len() as u64, TASKS);
    for c in &children {
        let parent = c.parent().expect("no orphaned child");
        assert_eq!(parent.name(), "isolation.handler");
        // Crossed contexts would pair a child with another task's handler.
        assert_eq!(
            parent.attr("id"),
            c.attr("id"),
            "child of handler {:?} has id {:?}",
            parent.attr("id"),
            c.attr("id")
        );
    }
    for p in &parents {
        p.assert_root();
    }
}
