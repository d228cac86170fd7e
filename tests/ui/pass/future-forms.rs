// Every way a handler can return a future: `async fn`, `fn -> impl Future`,
// `fn -> Pin<Box<dyn Future + Send + '_>>`, a `BoxFuture` alias, and
// `impl Future + use<..>` precise capturing. The span
// covers the future until it completes, not only the call that creates it.
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use opentelemetry::trace::TraceContextExt;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

struct Worker {
    base: u64,
}

fn current_span_is_valid() -> bool {
    opentelemetry::Context::current()
        .span()
        .span_context()
        .is_valid()
}

#[traced_actor]
impl Worker {
    async fn async_fn(&self, n: u64) -> u64 {
        tokio::task::yield_now().await;
        assert!(current_span_is_valid());
        self.base + n
    }

    async fn async_unit(&mut self, n: u64) {
        tokio::task::yield_now().await;
        self.base += n;
    }

    fn impl_future(&self, n: u64) -> impl Future<Output = u64> + Send + '_ {
        async move {
            tokio::task::yield_now().await;
            assert!(current_span_is_valid());
            self.base * n
        }
    }

    fn impl_future_static(&self, n: u64) -> impl Future<Output = u64> + 'static {
        let base = self.base;
        async move { base - n }
    }

    fn precise_capture<'a>(&'a self, n: u64) -> impl Future<Output = u64> + use<'a> {
        async move { self.base + n }
    }

    fn captures_nothing(&self) -> impl Future<Output = u64> + use<> {
        let base = self.base;
        async move { base }
    }

    fn impl_future_unit(&self) -> impl Future<Output = ()> {
        std::future::ready(())
    }

    fn boxed(&self, n: u64) -> Pin<Box<dyn Future<Output = u64> + Send + '_>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            assert!(current_span_is_valid());
            self.base + n * 2
        })
    }

    fn boxed_unit(&self) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(async {})
    }

    fn box_future_alias(self: Arc<Self>, n: u64) -> BoxFuture<'static, u64> {
        Box::pin(async move { self.base + n * 3 })
    }

    fn boxed_result(
        &self,
        n: u64,
    ) -> Pin<Box<dyn Future<Output = Result<u64, String>> + Send + '_>> {
        Box::pin(async move {
            if n == 0 {
                return Err("zero".to_owned());
            }
            Ok(self.base / n)
        })
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let tracing = TestTracing::install();
    let mut worker = Worker { base: 10 };
    assert_eq!(worker.async_fn(1).await, 11);
    worker.async_unit(10).await;
    assert_eq!(worker.impl_future(2).await, 40);
    assert_eq!(worker.impl_future_static(5).await, 15);
    worker.impl_future_unit().await;
    assert_eq!(worker.precise_capture(1).await, 21);
    assert_eq!(worker.captures_nothing().await, 20);
    assert_eq!(worker.boxed(1).await, 22);
    worker.boxed_unit().await;
    assert_eq!(worker.boxed_result(2).await, Ok(10));
    assert_eq!(worker.boxed_result(0).await, Err("zero".to_owned()));
    let shared = Arc::new(worker);
    let spawned = tokio::spawn(shared.box_future_alias(1));
    assert_eq!(spawned.await.expect("task"), 23);

    let tree = tracing.tree();
    for name in [
        "worker.async_fn",
        "worker.async_unit",
        "worker.impl_future",
        "worker.impl_future_static",
        "worker.impl_future_unit",
        "worker.precise_capture",
        "worker.captures_nothing",
        "worker.boxed",
        "worker.boxed_unit",
        "worker.box_future_alias",
    ] {
        tree.span(name).assert_root().assert_status_unset();
    }
    tree.span("worker.async_fn").assert_attr("n", 1i64);
    let results = tree.spans_named("worker.boxed_result");
    assert_eq!(results.len(), 2);
    results[0].assert_status_unset();
    results[1].assert_status_error("zero");
}
