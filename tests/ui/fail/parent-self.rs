// `parent = self`: the parent must come from an argument that carries a context.
use tracewire::prelude::*;

struct Worker;

#[traced_actor]
impl Worker {
    #[span(parent = self)]
    fn resume(&self) {}
}

fn main() {}
