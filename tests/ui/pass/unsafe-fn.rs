// `unsafe fn` handlers, sync and async, in a traced impl and as a `#[traced]`
// fn. With edition 2024 the body still needs its own `unsafe {}` block to
// call another unsafe fn; the traced body keeps that unsafe context.
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

/// # Safety
/// `ptr` must point to a live `u32`.
unsafe fn read(ptr: *const u32) -> u32 {
    // SAFETY: guaranteed by the caller.
    unsafe { *ptr }
}

struct Reader;

#[traced_actor]
impl Reader {
    /// # Safety
    /// `ptr` must point to a live `u32`.
    unsafe fn read_sync(&self, ptr: *const u32) -> u32 {
        // SAFETY: guaranteed by the caller.
        unsafe { read(ptr) }
    }

    /// # Safety
    /// `ptr` must point to a live `u32`.
    async unsafe fn read_async(&self, ptr: *const u32, offset: u32) -> u32 {
        tokio::task::yield_now().await;
        // SAFETY: guaranteed by the caller.
        unsafe { read(ptr) + offset }
    }
}

/// # Safety
/// `ptr` must point to a live `u32`.
#[traced]
unsafe fn read_traced(ptr: *const u32) -> u32 {
    // SAFETY: guaranteed by the caller.
    unsafe { read(ptr) }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let value = 7u32;
    // SAFETY: `value` outlives every call.
    unsafe {
        assert_eq!(Reader.read_sync(&value), 7);
        assert_eq!(Reader.read_async(&value, 1).await, 8);
        assert_eq!(read_traced(&value), 7);
    }

    let tree = tracing.tree();
    tree.span("reader.read_sync").assert_no_attr("ptr");
    tree.span("reader.read_async").assert_attr("offset", 1i64);
    tree.span("read_traced");
}
