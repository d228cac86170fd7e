// The context options and spawn-site rewriting in the shapes a handler can
// take: `sample`, `propagate`, `parent = arg`, `link = arg`, an implicit
// parent from a `Traced<M>` argument (by value, `&`, `&mut`), and spawn
// calls inside sync, async, `impl Future` and `unsafe` handlers, including
// scoped threads whose closures borrow locals.
use std::future::Future;

use opentelemetry::trace::{TraceContextExt as _, Tracer as _};
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

fn work(name: &'static str) {
    opentelemetry::global::tracer("test").in_span(name, |_| ());
}

struct Worker;

#[traced_actor(sample = 1.0, propagate = false)]
impl Worker {
    fn not_propagated(&self) {
        std::thread::spawn(|| work("not_propagated.thread"))
            .join()
            .expect("joins");
    }

    #[span(propagate = true, sample = 1)]
    fn scoped(&self, items: Vec<u8>) -> usize {
        let total = std::thread::scope(|s| {
            let handle = s.spawn(|| {
                work("scoped.thread");
                items.len()
            });
            handle.join().expect("joins")
        });
        total
    }
}

#[traced_actor]
impl Worker {
    async fn spawns(&self) -> u8 {
        let handle = tokio::spawn(async {
            work("spawns.task");
            1u8
        });
        let blocking = tokio::task::spawn_blocking(|| {
            work("spawns.blocking");
            2u8
        });
        handle.await.expect("joins") + blocking.await.expect("joins")
    }

    fn spawns_later(&self) -> impl Future<Output = u8> + Send {
        let handle = tokio::spawn(async {
            work("spawns_later.task");
            3u8
        });
        async move { handle.await.expect("joins") }
    }

    /// # Safety
    /// Always safe; `unsafe` only to show the shape.
    unsafe fn spawns_unsafe(&self) {
        std::thread::spawn(|| work("spawns_unsafe.thread"))
            .join()
            .expect("joins");
    }

    fn child_of_message(&self, job: Traced<u32>) -> u32 {
        *job * 2
    }

    fn child_of_borrowed_message(&self, job: &Traced<u32>) -> u32 {
        **job
    }

    fn child_of_mut_message(&self, job: &mut Traced<u32>) {
        **job += 1;
    }

    #[span(sample = 0.0)]
    fn never_sampled(&self) {}

    #[span(parent = cx)]
    fn explicit_parent(&self, cx: opentelemetry::Context, n: u8) -> u8 {
        let _ = cx;
        n
    }

    #[span(link = job, sample = 1.0)]
    async fn linked(&self, job: Traced<&'static str>) -> usize {
        tokio::task::yield_now().await;
        job.len()
    }
}

#[traced(sample = 1.0, parent = job)]
fn traced_with_parent(job: &Traced<u8>) -> u8 {
    **job
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let tracing = TestTracing::install();
    Worker.not_propagated();
    Worker.never_sampled();
    assert_eq!(Worker.scoped(vec![1, 2]), 2);
    assert_eq!(Worker.spawns().await, 3);
    assert_eq!(Worker.spawns_later().await, 3);
    // SAFETY: always safe.
    unsafe { Worker.spawns_unsafe() };

    let sender = opentelemetry::global::tracer("test").start("sender");
    let cx = opentelemetry::Context::current_with_span(sender);
    let (mut job, borrowed, message, carried) = {
        let _current = cx.clone().attach();
        (
            Traced::new(1u32),
            Traced::new(2u32),
            Traced::new("hello"),
            Traced::new(3u8),
        )
    };
    assert_eq!(Worker.child_of_borrowed_message(&borrowed), 2);
    Worker.child_of_mut_message(&mut job);
    assert_eq!(Worker.child_of_message(job), 4);
    assert_eq!(Worker.explicit_parent(cx.clone(), 7), 7);
    assert_eq!(Worker.linked(message).await, 5);
    assert_eq!(traced_with_parent(&carried), 3);
    cx.span().end();

    let tree = tracing.tree();
    assert!(
        tree.spans_named("worker.never_sampled").is_empty(),
        "{tree}"
    );
    tree.span("not_propagated.thread").assert_root();
    tree.span("scoped.thread").assert_parent("worker.scoped");
    tree.span("spawns.task").assert_parent("worker.spawns");
    tree.span("spawns.blocking").assert_parent("worker.spawns");
    tree.span("spawns_later.task")
        .assert_parent("worker.spawns_later");
    tree.span("spawns_unsafe.thread")
        .assert_parent("worker.spawns_unsafe");
    for child in [
        "worker.child_of_message",
        "worker.child_of_borrowed_message",
        "worker.child_of_mut_message",
        "worker.explicit_parent",
        "traced_with_parent",
    ] {
        tree.span(child).assert_parent("sender");
    }
    tree.span("worker.linked")
        .assert_root()
        .assert_linked_to("sender");
}
