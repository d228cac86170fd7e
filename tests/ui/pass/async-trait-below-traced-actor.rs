// `#[async_trait]` written below `#[traced_actor]`: the traced macro runs first,
// on plain `async fn`s, and `#[async_trait]` then boxes the traced bodies.
use std::sync::Arc;

use async_trait::async_trait;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

#[async_trait]
trait Repository: Send + Sync {
    async fn load(&self, id: u64) -> Result<String, String>;
    async fn store(&mut self, id: u64, value: String);
    async fn count(self: Arc<Self>) -> usize;
}

#[derive(Default)]
struct MemoryRepository {
    rows: Vec<(u64, String)>,
}

#[traced_actor]
#[async_trait]
impl Repository for MemoryRepository {
    async fn load(&self, id: u64) -> Result<String, String> {
        tokio::task::yield_now().await;
        let row = self.rows.iter().find(|(k, _)| *k == id);
        row.map(|(_, v)| v.clone())
            .ok_or_else(|| format!("no row {id}"))
    }

    async fn store(&mut self, id: u64, value: String) {
        tokio::task::yield_now().await;
        self.rows.push((id, value));
    }

    async fn count(self: Arc<Self>) -> usize {
        tokio::task::yield_now().await;
        self.rows.len()
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let tracing = TestTracing::install();
    let mut repo = MemoryRepository::default();
    repo.store(1, "one".into()).await;
    assert_eq!(repo.load(1).await.as_deref(), Ok("one"));
    assert_eq!(repo.load(2).await, Err("no row 2".to_owned()));
    let repo: Arc<MemoryRepository> = Arc::new(repo);
    let counted = tokio::spawn(repo.clone().count()).await.expect("task");
    assert_eq!(counted, 1);

    let tree = tracing.tree();
    tree.span("memory_repository.store")
        .assert_attr("id", 1i64)
        .assert_attr("value", "one");
    let loads = tree.spans_named("memory_repository.load");
    assert_eq!(loads.len(), 2);
    loads[0].assert_status_unset();
    loads[1].assert_status_error("no row 2");
    tree.span("memory_repository.count").assert_status_unset();
}
