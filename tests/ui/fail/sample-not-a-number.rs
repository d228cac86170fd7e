// `sample` given a string instead of a rate.
use tracewire::prelude::*;

struct Worker;

#[traced_actor]
impl Worker {
    #[span(sample = "10%")]
    fn run(&self) {}
}

fn main() {}
