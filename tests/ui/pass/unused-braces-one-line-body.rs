// Regression: a body written on the fn's own line does not trip
// `unused_braces` in the generated code.
#![deny(warnings)]
// KNOWN BUG (move to tests/ui/pass/ once fixed): a handler whose body is a
// single expression written on the fn's own line fails under
// `#![deny(warnings)]`: the generated code wraps the body block in another
// block (`move || -> u8 { { self.count } }`, `async move { .. { .. } }`), and
// rustc's `unused_braces` lint fires on the user's braces. (rustc skips the
// lint when the braces are on separate lines, so rustfmt-formatted bodies
// are not affected; one-liners written by hand or by a `macro_rules!` are.)
use tracewire::prelude::*;

struct Counter {
    count: u8,
}

#[traced_actor]
#[rustfmt::skip]
impl Counter {
    fn get(&self) -> u8 { self.count }

    fn reset(&mut self) { self.count = 0 }

    async fn get_async(&self) -> u8 { self.count }
}

#[traced]
#[rustfmt::skip]
fn one() -> u8 { 1 }

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut counter = Counter { count: 1 };
    assert_eq!(counter.get(), 1);
    assert_eq!(counter.get_async().await, 1);
    counter.reset();
    assert_eq!(one(), 1);
}
