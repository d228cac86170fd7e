// `parent` given a string instead of an argument name.
use tracewire::prelude::*;

#[traced(parent = "job")]
fn handle(job: Traced<u32>) {
    let _ = job;
}

fn main() {}
