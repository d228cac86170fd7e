// `#[traced]` on single fns: a free fn, an async free fn, a generic fn, an
// `extern "C"` fn, a fn nested in another fn, a method of an impl that is not traced, and a
// trait's default method. The span is named after the fn unless `name` says.
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

#[traced]
fn parse(input: &str) -> Option<u32> {
    input.trim().parse().ok()
}

#[traced(name = "config.load")]
pub async fn load(path: String) -> Vec<u8> {
    tokio::task::yield_now().await;
    path.into_bytes()
}

#[traced]
pub(crate) fn largest<T: PartialOrd + Copy>(values: &[T]) -> Option<T> {
    let mut best = None;
    for &value in values {
        if best.is_none_or(|b| value > b) {
            best = Some(value);
        }
    }
    best
}

#[traced]
extern "C" fn callback(code: i32) -> i32 {
    code + 1
}

struct Plain {
    id: u64,
}

impl Plain {
    #[traced]
    fn id(&self) -> u64 {
        self.id
    }

    #[traced(name = "plain.rename")]
    async fn rename(&mut self, id: u64) {
        tokio::task::yield_now().await;
        self.id = id;
    }

    #[tracewire::traced]
    fn create(id: u64) -> Self {
        Plain { id }
    }
}

trait Greeter {
    #[traced(name = "greeter.greet")]
    fn greet(&self, who: &str) -> String {
        format!("hello {who}")
    }
}

impl Greeter for Plain {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    #[traced]
    fn nested(n: u8) -> u8 {
        n * 2
    }

    let tracing = TestTracing::install();
    assert_eq!(parse(" 42 "), Some(42));
    assert_eq!(load("a".into()).await, b"a");
    assert_eq!(largest(&[3, 9, 2]), Some(9));
    assert_eq!(nested(4), 8);
    assert_eq!(callback(1), 2);
    let mut plain = Plain::create(1);
    assert_eq!(plain.id(), 1);
    plain.rename(2).await;
    assert_eq!(plain.greet("you"), "hello you");

    let tree = tracing.tree();
    tree.span("parse").assert_attr("input", " 42 ");
    tree.span("config.load").assert_attr("path", "a");
    tree.span("largest").assert_no_attr("values");
    tree.span("nested").assert_attr("n", 4i64);
    tree.span("callback").assert_attr("code", 1i64);
    tree.span("create").assert_attr("id", 1i64);
    tree.span("id").assert_root();
    tree.span("plain.rename").assert_attr("id", 2i64);
    tree.span("greeter.greet").assert_attr("who", "you");
}
