// Regression: an argument named with a raw identifier (`r#type`) is recorded
// under `type`, like span names and field keys, and `fields(type = ..)`
// cannot silently overwrite it.
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct Calculator;

#[traced_actor]
impl Calculator {
    fn r#match(&self, r#type: &str) -> usize {
        let len = r#type.len();
        len
    }
}

fn main() {
    let tracing = TestTracing::install();
    assert_eq!(Calculator.r#match("abc"), 3);
    tracing
        .tree()
        .span("calculator.match")
        .assert_attr("type", "abc");
}
