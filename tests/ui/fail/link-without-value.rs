// `link` written without `= arg`.
use tracewire::prelude::*;

#[traced(link)]
fn handle(job: Traced<u32>) {
    let _ = job;
}

fn main() {}
