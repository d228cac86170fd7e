//! The cost of one handler call, instrumented six ways, measured in one run
//! (see `tracewire_benches::overhead` for the variants, and BENCHMARKS.md for
//! the results and how they were taken).
//!
//! | benchmark | what one iteration is |
//! | --- | --- |
//! | `sync_root_{0,4}` | a sync handler call with no span current: the handler's span starts a trace |
//! | `sync_child_{0,4}` | the same under a current request span (the parent's own decision: sampled or not) |
//! | `async_root_{0,4}`, `async_child_{0,4}` | an async handler with one `await` (two polls), driven by a no-op waker |
//! | `spawn_inherit` | `spawn` a trivial task under a current span and await it, carrying the context |
//! | `spawn_child` | the same, with the task in a span of its own |
//!
//! `_0` records no attributes, `_4` records four (u64, &str, bool, f64).
//! fastrace's `#[trace]` records nothing without a local parent, so it has
//! no root rows, and it has no way to carry a context without a span, so it
//! has no `spawn_inherit` row.
//!
//! Run with `cargo bench -p tracewire-benches --bench overhead`.

use divan::{Bencher, black_box};
use tracewire_benches::Sampling;
use tracewire_benches::overhead::{
    Fastrace, Handwritten, Input, OtelBare, SpawnChild, SpawnInherit, Tracewire, TracewireSdk,
    Tracing, Untraced, Variant, block_on, setup,
};

const SAMPLINGS: [Sampling; 2] = [Sampling::Sampled, Sampling::Unsampled];

/// A handler call with no span current.
fn root<V: Variant, R>(bencher: Bencher, sampling: Sampling, call: impl Fn(&Input) -> R) {
    setup(sampling);
    V::select();
    let input = Input::default();
    bencher.bench_local(|| call(black_box(&input)));
}

/// A handler call under `V`'s current request span.
fn child<V: Variant, R>(bencher: Bencher, sampling: Sampling, call: impl Fn(&Input) -> R) {
    setup(sampling);
    V::select();
    let input = Input::default();
    let mut parent = V::parent();
    bencher.bench_local(|| {
        V::renew(&mut parent);
        call(black_box(&input))
    });
    drop(parent);
}

#[divan::bench(types = [Untraced, OtelBare, Handwritten, Tracewire, TracewireSdk, Tracing], args = SAMPLINGS)]
fn sync_root_0<V: Variant>(bencher: Bencher, sampling: Sampling) {
    root::<V, _>(bencher, sampling, V::sync0);
}

#[divan::bench(types = [Untraced, OtelBare, Handwritten, Tracewire, TracewireSdk, Tracing], args = SAMPLINGS)]
fn sync_root_4<V: Variant>(bencher: Bencher, sampling: Sampling) {
    root::<V, _>(bencher, sampling, V::sync4);
}

#[divan::bench(
    types = [Untraced, OtelBare, Handwritten, Tracewire, TracewireSdk, Tracing, Fastrace],
    args = SAMPLINGS,
)]
fn sync_child_0<V: Variant>(bencher: Bencher, sampling: Sampling) {
    child::<V, _>(bencher, sampling, V::sync0);
}

#[divan::bench(
    types = [Untraced, OtelBare, Handwritten, Tracewire, TracewireSdk, Tracing, Fastrace],
    args = SAMPLINGS,
)]
fn sync_child_4<V: Variant>(bencher: Bencher, sampling: Sampling) {
    child::<V, _>(bencher, sampling, V::sync4);
}

#[divan::bench(types = [Untraced, OtelBare, Handwritten, Tracewire, TracewireSdk, Tracing], args = SAMPLINGS)]
fn async_root_0<V: Variant>(bencher: Bencher, sampling: Sampling) {
    root::<V, _>(bencher, sampling, |i| block_on(V::async0(i)));
}

#[divan::bench(types = [Untraced, OtelBare, Handwritten, Tracewire, TracewireSdk, Tracing], args = SAMPLINGS)]
fn async_root_4<V: Variant>(bencher: Bencher, sampling: Sampling) {
    root::<V, _>(bencher, sampling, |i| block_on(V::async4(i)));
}

#[divan::bench(
    types = [Untraced, OtelBare, Handwritten, Tracewire, TracewireSdk, Tracing, Fastrace],
    args = SAMPLINGS,
)]
fn async_child_0<V: Variant>(bencher: Bencher, sampling: Sampling) {
    child::<V, _>(bencher, sampling, |i| block_on(V::async0(i)));
}

#[divan::bench(
    types = [Untraced, OtelBare, Handwritten, Tracewire, TracewireSdk, Tracing, Fastrace],
    args = SAMPLINGS,
)]
fn async_child_4<V: Variant>(bencher: Bencher, sampling: Sampling) {
    child::<V, _>(bencher, sampling, |i| block_on(V::async4(i)));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

#[divan::bench(types = [Untraced, Handwritten, Tracewire, TracewireSdk, Tracing], args = SAMPLINGS)]
fn spawn_inherit<V: SpawnInherit>(bencher: Bencher, sampling: Sampling) {
    let rt = runtime();
    child::<V, _>(bencher, sampling, |_| {
        rt.block_on(async { V::spawn(async { black_box(1u64) }).await })
            .expect("the task completes")
    });
}

#[divan::bench(types = [Untraced, Handwritten, Tracewire, TracewireSdk, Tracing, Fastrace], args = SAMPLINGS)]
fn spawn_child<V: SpawnChild>(bencher: Bencher, sampling: Sampling) {
    let rt = runtime();
    child::<V, _>(bencher, sampling, |_| {
        rt.block_on(async { V::spawn_child(async { black_box(1u64) }).await })
            .expect("the task completes")
    });
}

fn main() {
    divan::main();
}
