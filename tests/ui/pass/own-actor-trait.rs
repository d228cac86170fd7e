// `#[traced_actor]` on an impl of a user's own trait called `Actor`, by its
// path and through a `use`: whether an impl is of tracewire's `Actor` is not
// decided by the trait's name, so nothing is added to these impls, not even
// with `name = ".."` or `sample = ..`.
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

mod mine {
    pub trait Actor {
        fn handle_call(&mut self, request: u32) -> u32;
        fn handle_cast(&mut self, request: u32);
    }
}

struct Doubler(u32);
struct Adder(u32);

#[traced_actor(name = "doubler", sample = 1.0)]
impl mine::Actor for Doubler {
    fn handle_call(&mut self, request: u32) -> u32 {
        request * 2
    }

    #[span(sample = 1.0)]
    fn handle_cast(&mut self, request: u32) {
        self.0 = request;
    }
}

use mine::Actor;

#[traced_actor]
impl Actor for Adder {
    fn handle_call(&mut self, request: u32) -> u32 {
        self.0 + request
    }

    fn handle_cast(&mut self, request: u32) {
        self.0 += request;
    }
}

fn main() {
    let tracing = TestTracing::install();
    let mut doubler = Doubler(0);
    assert_eq!(doubler.handle_call(21), 42);
    doubler.handle_cast(1);
    let mut adder = Adder(1);
    adder.handle_cast(1);
    assert_eq!(adder.handle_call(1), 3);

    let tree = tracing.tree();
    tree.span("doubler.handle_call").assert_attr("request", 21i64);
    tree.span("doubler.handle_cast");
    tree.span("adder.handle_call");
    tree.span("adder.handle_cast");
}
