// `parent` names an argument whose type carries no trace context.
use tracewire::prelude::*;

#[traced(parent = job)]
fn handle(job: u32) {
    let _ = job;
}

fn main() {}
