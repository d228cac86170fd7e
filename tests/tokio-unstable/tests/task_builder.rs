#![deny(warnings, clippy::all)]
//! `tokio::task::Builder` spawns inside a traced body start under the
//! handler's span, as every other spawn does.
#![cfg(tokio_unstable)]

use opentelemetry::trace::Tracer as _;
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

fn work(name: &'static str) {
    opentelemetry::global::tracer("test").in_span(name, |_| ());
}

async fn async_work(name: &'static str) {
    tokio::task::yield_now().await;
    work(name);
}

struct Builders;

#[traced_actor]
impl Builders {
    async fn spawn_named(&self) {
        tokio::task::Builder::new()
            .name("named")
            .spawn(async_work("builder.spawn"))
            .expect("spawns")
            .await
            .expect("joins");
        tokio::task::Builder::new()
            .name("blocking")
            .spawn_blocking(|| work("builder.spawn_blocking"))
            .expect("spawns")
            .await
            .expect("joins");
        let handle = tokio::runtime::Handle::current();
        tokio::task::Builder::new()
            .spawn_on(async_work("builder.spawn_on"), &handle)
            .expect("spawns")
            .await
            .expect("joins");
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async {
                tokio::task::Builder::new()
                    .spawn_local(async_work("builder.spawn_local"))
                    .expect("spawns")
                    .await
                    .expect("joins");
            })
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_builder_spawns_are_rewritten() {
    let tracing = TestTracing::install();
    Builders.spawn_named().await;
    let tree = tracing.tree();
    for name in [
        "builder.spawn",
        "builder.spawn_blocking",
        "builder.spawn_on",
        "builder.spawn_local",
    ] {
        tree.span(name).assert_parent("builders.spawn_named");
    }
}
