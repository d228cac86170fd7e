// Regression: an `unsafe fn` returning a future (`impl Future` or a pinned
// box) compiles.
use std::future::Future;
use std::pin::Pin;

use tracewire::prelude::*;

unsafe fn raw() -> u8 {
    3
}

struct Reader;

#[traced_actor]
impl Reader {
    unsafe fn read_later(&self) -> impl Future<Output = u8> {
        let value = unsafe { raw() };
        async move { value }
    }

    unsafe fn read_boxed(&self) -> Pin<Box<dyn Future<Output = u8> + Send + '_>> {
        let value = unsafe { raw() };
        Box::pin(async move { value })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // SAFETY: `raw` is always safe to call.
    unsafe {
        assert_eq!(Reader.read_later().await, 3);
        assert_eq!(Reader.read_boxed().await, 3);
    }
}
