// `trust` on a parent that is not an incoming request's headers: a
// `Traced<M>` comes from this process and is always the parent.
use tracewire::Traced;
use tracewire::prelude::*;

#[traced(parent = job, trust = parent)]
fn handle(job: Traced<u32>) -> u32 {
    *job
}

fn main() {}
