// `propagate` given a string instead of `true` or `false`.
use tracewire::prelude::*;

struct Worker;

#[traced_actor(propagate = "no")]
impl Worker {
    fn run(&self) {}
}

fn main() {}
