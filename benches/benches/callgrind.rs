//! Runs one benchmark of `overhead.rs` a fixed number of times, for
//! `scripts/bench/callgrind.sh` to count its instructions under
//! `valgrind --tool=callgrind`: instruction counts are repeatable where
//! timings on a shared 2-core machine are not.
//!
//! ```text
//! callgrind SCENARIO VARIANT SAMPLING [CALLS]
//! ```
//!
//! Each run warms up with [`WARMUP`] calls, then makes `CALLS` (default
//! 2048) calls inside [`callgrind_measured`], the one function the script
//! tells callgrind to collect in, on this thread only: the batch processor's
//! and fastrace's collector threads are not counted, for any variant.
//!
//! `cargo bench` runs this target with only `--bench`; it then does nothing.

use std::hint::black_box;
use std::process::ExitCode;

use tracewire_benches::overhead::{
    Fastrace, Handwritten, Input, OtelBare, SpawnChild, SpawnInherit, Tracewire, TracewireSdk,
    Tracing, Untraced, Variant, block_on, setup,
};
use tracewire_benches::{NoopExporter, Sampling, force_flush};

/// Calls made before counting starts: thread-locals, allocator caches and
/// lazily built statics are warm by then.
const WARMUP: u64 = 1024;

const SCENARIOS: &[&str] = &[
    "sync_root_0",
    "sync_root_4",
    "sync_child_0",
    "sync_child_4",
    "async_root_0",
    "async_root_4",
    "async_child_0",
    "async_child_4",
    "spawn_inherit",
    "spawn_child",
];

/// The loop callgrind collects in (`--toggle-collect=*callgrind_measured*`).
#[inline(never)]
fn callgrind_measured(calls: u64, call: &mut dyn FnMut()) {
    for _ in 0..calls {
        call();
    }
}

fn measure(calls: u64, mut call: impl FnMut()) {
    for _ in 0..WARMUP {
        call();
    }
    callgrind_measured(calls, &mut call);
}

/// Runs `scenario` with `V`; false when `V` has no such scenario.
fn run<V: Variant>(scenario: &str, calls: u64) -> bool {
    V::select();
    let input = Input::default();
    let input = &input;
    let root = |call: &dyn Fn(&Input)| measure(calls, || call(black_box(input)));
    let child = |call: &dyn Fn(&Input)| {
        let mut parent = V::parent();
        measure(calls, || {
            V::renew(&mut parent);
            call(black_box(input));
        });
    };
    match scenario {
        "sync_root_0" => root(&|i| drop(black_box(V::sync0(i)))),
        "sync_root_4" => root(&|i| drop(black_box(V::sync4(i)))),
        "sync_child_0" => child(&|i| drop(black_box(V::sync0(i)))),
        "sync_child_4" => child(&|i| drop(black_box(V::sync4(i)))),
        "async_root_0" => root(&|i| drop(black_box(block_on(V::async0(i))))),
        "async_root_4" => root(&|i| drop(black_box(block_on(V::async4(i))))),
        "async_child_0" => child(&|i| drop(black_box(block_on(V::async0(i))))),
        "async_child_4" => child(&|i| drop(black_box(block_on(V::async4(i))))),
        _ => return false,
    }
    true
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

fn run_spawn_inherit<V: SpawnInherit>(calls: u64) {
    V::select();
    let rt = runtime();
    let mut parent = V::parent();
    measure(calls, || {
        V::renew(&mut parent);
        let done = rt.block_on(async { V::spawn(async { black_box(1u64) }).await });
        black_box(done.expect("the task completes"));
    });
}

fn run_spawn_child<V: SpawnChild>(calls: u64) {
    V::select();
    let rt = runtime();
    let mut parent = V::parent();
    measure(calls, || {
        V::renew(&mut parent);
        let done = rt.block_on(async { V::spawn_child(async { black_box(1u64) }).await });
        black_box(done.expect("the task completes"));
    });
}

fn dispatch(scenario: &str, variant: &str, calls: u64) -> bool {
    match (scenario, variant) {
        ("spawn_inherit", "untraced") => run_spawn_inherit::<Untraced>(calls),
        ("spawn_inherit", "handwritten") => run_spawn_inherit::<Handwritten>(calls),
        ("spawn_inherit", "tracewire") => run_spawn_inherit::<Tracewire>(calls),
        ("spawn_inherit", "tracewire_sdk") => run_spawn_inherit::<TracewireSdk>(calls),
        ("spawn_inherit", "tracing") => run_spawn_inherit::<Tracing>(calls),
        ("spawn_child", "untraced") => run_spawn_child::<Untraced>(calls),
        ("spawn_child", "handwritten") => run_spawn_child::<Handwritten>(calls),
        ("spawn_child", "tracewire") => run_spawn_child::<Tracewire>(calls),
        ("spawn_child", "tracewire_sdk") => run_spawn_child::<TracewireSdk>(calls),
        ("spawn_child", "tracing") => run_spawn_child::<Tracing>(calls),
        ("spawn_child", "fastrace") => run_spawn_child::<Fastrace>(calls),
        (s, _) if s.starts_with("spawn_") => return false,
        // fastrace's #[trace] records nothing without a local parent.
        (s, "fastrace") if s.contains("_root_") => return false,
        (s, "untraced") => return run::<Untraced>(s, calls),
        (s, "otel_bare") => return run::<OtelBare>(s, calls),
        (s, "handwritten") => return run::<Handwritten>(s, calls),
        (s, "tracewire") => return run::<Tracewire>(s, calls),
        (s, "tracewire_sdk") => return run::<TracewireSdk>(s, calls),
        (s, "tracing") => return run::<Tracing>(s, calls),
        (s, "fastrace") => return run::<Fastrace>(s, calls),
        _ => return false,
    }
    true
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [scenario, variant, sampling, rest @ ..] = args.as_slice() else {
        eprintln!(
            "usage: callgrind SCENARIO VARIANT sampled|unsampled [CALLS]\n\
             scenarios: {}\n\
             run by scripts/bench/callgrind.sh; `cargo bench` alone does nothing here",
            SCENARIOS.join(" ")
        );
        return ExitCode::SUCCESS;
    };
    let sampling = match sampling.as_str() {
        "sampled" => Sampling::Sampled,
        "unsampled" => Sampling::Unsampled,
        other => {
            eprintln!("sampling must be sampled or unsampled, not {other:?}");
            return ExitCode::FAILURE;
        }
    };
    let calls = match rest.first().map(|n| n.parse::<u64>()) {
        None => 2048,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("CALLS: {e}");
            return ExitCode::FAILURE;
        }
    };
    setup(sampling);
    if !dispatch(scenario, variant, calls) {
        println!("n/a");
        return ExitCode::SUCCESS;
    }
    // A batch processor that fell behind would drop spans, which is cheaper
    // than exporting them: report what reached the exporter, to check.
    force_flush();
    eprintln!("exported spans: {}", NoopExporter::exported());
    ExitCode::SUCCESS
}
