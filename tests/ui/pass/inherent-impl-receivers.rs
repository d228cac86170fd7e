// An inherent impl whose methods take every kind of receiver: `self`,
// `&self`, `&mut self`, `self: Arc<Self>`, `self: Box<Self>`, and none.
use std::sync::Arc;

use tracewire::prelude::*;
use tracewire::testing::TestTracing;

#[derive(Clone)]
struct Counter {
    count: u64,
}

#[traced_actor]
impl Counter {
    fn new(start: u64) -> Self {
        Counter { count: start }
    }

    fn get(&self) -> u64 {
        self.count
    }

    fn bump(&mut self, by: u64) {
        self.count += by;
    }

    fn into_count(self) -> u64 {
        let Counter { count } = self;
        count
    }

    fn shared(self: Arc<Self>) -> u64 {
        self.count
    }

    fn boxed(self: Box<Self>) -> u64 {
        self.count
    }

    async fn get_async(&self) -> u64 {
        tokio::task::yield_now().await;
        self.count
    }

    async fn bump_async(&mut self, by: u64) {
        tokio::task::yield_now().await;
        self.count += by;
    }

    async fn into_count_async(self) -> u64 {
        tokio::task::yield_now().await;
        self.count
    }

    async fn shared_async(self: Arc<Self>) -> u64 {
        tokio::task::yield_now().await;
        self.count
    }

    async fn boxed_async(self: Box<Self>) -> u64 {
        tokio::task::yield_now().await;
        self.count
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();

    let mut counter = Counter::new(1);
    counter.bump(2);
    assert_eq!(counter.get(), 3);
    assert_eq!(Arc::new(counter.clone()).shared(), 3);
    assert_eq!(Box::new(counter.clone()).boxed(), 3);
    counter.bump_async(1).await;
    assert_eq!(counter.get_async().await, 4);
    assert_eq!(Arc::new(counter.clone()).shared_async().await, 4);
    assert_eq!(Box::new(counter.clone()).boxed_async().await, 4);
    assert_eq!(counter.clone().into_count_async().await, 4);
    assert_eq!(counter.into_count(), 4);

    let tree = tracing.tree();
    tree.span("counter.new").assert_attr("start", 1i64);
    tree.span("counter.bump").assert_attr("by", 2i64);
    for name in [
        "counter.get",
        "counter.into_count",
        "counter.shared",
        "counter.boxed",
        "counter.get_async",
        "counter.bump_async",
        "counter.into_count_async",
        "counter.shared_async",
        "counter.boxed_async",
    ] {
        tree.span(name).assert_root().assert_status_unset();
    }
}
