// Arguments written in every form a fn accepts: `mut` bindings, tuple and
// struct patterns, `_`, raw identifiers, `impl Trait` and `dyn Trait`
// arguments, closures, and names that look like the macro's own locals.
// Only plain named arguments whose type is an attribute value are recorded.
use std::fmt::Debug;

use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct Point {
    x: i32,
    y: i32,
}

struct Calculator;

#[traced_actor]
impl Calculator {
    fn mutable(&self, mut total: u32, step: u32) -> u32 {
        total += step;
        total
    }

    fn tuple(&self, (a, b): (u8, u8), label: &str) -> u16 {
        let _ = label;
        u16::from(a) + u16::from(b)
    }

    fn destructured(&self, Point { x, y }: Point) -> i32 {
        x + y
    }

    fn ignored(&self, _: u64, _unused: u64) {}

    fn r#match(&self, r#type: &str, r#in: u8) -> String {
        format!("{type}{in}", type = r#type, in = r#in)
    }

    fn impl_trait(&self, name: impl AsRef<str>, shown: impl Debug) -> usize {
        name.as_ref().len() + format!("{shown:?}").len()
    }

    fn dyn_trait(&self, shown: &dyn Debug, boxed: Box<dyn Debug>) -> String {
        format!("{shown:?}{boxed:?}")
    }

    fn closure<F: Fn(u8) -> u8>(&self, f: F, n: u8) -> u8 {
        f(n)
    }

    fn lookalikes(&self, __tw_span: u8, __tw_ret: u8, __tw_fut: u8) -> u8 {
        __tw_span + __tw_ret + __tw_fut
    }

    fn wrapped(&self, maybe: Option<u8>, text: Box<str>, shared: std::sync::Arc<String>) {
        let _ = (maybe, text, shared);
    }

    async fn async_patterns(&self, (a, b): (u8, u8), mut acc: Vec<u8>, _: bool) -> Vec<u8> {
        tokio::task::yield_now().await;
        acc.push(a + b);
        acc
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    let calc = Calculator;
    assert_eq!(calc.mutable(1, 2), 3);
    assert_eq!(calc.tuple((1, 2), "t"), 3);
    assert_eq!(calc.destructured(Point { x: 1, y: 2 }), 3);
    calc.ignored(1, 2);
    assert_eq!(calc.r#match("a", 1), "a1");
    assert_eq!(calc.impl_trait("ab", 1), 3);
    assert_eq!(calc.dyn_trait(&1, Box::new(2)), "12");
    assert_eq!(calc.closure(|n| n * 2, 4), 8);
    assert_eq!(calc.lookalikes(1, 2, 3), 6);
    calc.wrapped(Some(1), "boxed".into(), std::sync::Arc::new("arc".into()));
    assert_eq!(calc.async_patterns((1, 2), vec![], true).await, vec![3]);

    let tree = tracing.tree();
    tree.span("calculator.mutable")
        .assert_attr("total", 1i64)
        .assert_attr("step", 2i64);
    tree.span("calculator.tuple").assert_attr("label", "t");
    tree.span("calculator.ignored").assert_attr("_unused", 2i64);
    // Named without the `r#`, like the fn's span name.
    tree.span("calculator.match");
    tree.span("calculator.impl_trait")
        .assert_no_attr("name")
        .assert_no_attr("shown");
    tree.span("calculator.closure")
        .assert_no_attr("f")
        .assert_attr("n", 4i64);
    tree.span("calculator.lookalikes")
        .assert_attr("__tw_span", 1i64)
        .assert_attr("__tw_ret", 2i64)
        .assert_attr("__tw_fut", 3i64);
    tree.span("calculator.wrapped")
        .assert_attr("maybe", 1i64)
        .assert_attr("text", "boxed")
        .assert_attr("shared", "arc");
    tree.span("calculator.async_patterns").assert_no_attr("acc");
}
