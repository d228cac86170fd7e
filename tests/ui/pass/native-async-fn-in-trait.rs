// Native `async fn` in a trait impl (no `#[async_trait]`), including a trait
// that promises a `Send` future, whose traced impl must still keep it `Send`.
use std::future::Future;

use tracewire::prelude::*;
use tracewire::testing::TestTracing;

trait Fetch {
    async fn fetch(&self, id: u64) -> Option<String>;
}

trait SendFetch {
    fn fetch_send(&self, id: u64) -> impl Future<Output = Option<String>> + Send;
}

struct Backend {
    prefix: String,
}

#[traced_actor]
impl Fetch for Backend {
    async fn fetch(&self, id: u64) -> Option<String> {
        tokio::task::yield_now().await;
        Some(format!("{}{id}", self.prefix))
    }
}

#[traced_actor(name = "send_backend")]
impl SendFetch for Backend {
    async fn fetch_send(&self, id: u64) -> Option<String> {
        tokio::task::yield_now().await;
        (id > 0).then(|| format!("{}{id}", self.prefix))
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let tracing = TestTracing::install();
    let backend = std::sync::Arc::new(Backend {
        prefix: "user-".into(),
    });
    assert_eq!(backend.fetch(1).await.as_deref(), Some("user-1"));

    let shared = backend.clone();
    let spawned = tokio::spawn(async move { assert_send(shared.fetch_send(2)).await });
    assert_eq!(spawned.await.expect("task").as_deref(), Some("user-2"));

    let tree = tracing.tree();
    tree.span("backend.fetch").assert_attr("id", 1i64);
    tree.span("send_backend.fetch_send").assert_attr("id", 2i64);
}
