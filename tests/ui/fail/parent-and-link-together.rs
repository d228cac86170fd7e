// `parent` and `link` on one span: a span has one parent.
use tracewire::prelude::*;

#[traced(parent = job, link = job)]
fn handle(job: Traced<u32>) {
    let _ = job;
}

fn main() {}
