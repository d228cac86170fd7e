// `safe fn` in a traced impl: the qualifier only exists in `extern` blocks.
use tracewire::prelude::*;

struct Worker;

#[traced_actor]
impl Worker {
    safe fn run(&self) {}
}

fn main() {}
