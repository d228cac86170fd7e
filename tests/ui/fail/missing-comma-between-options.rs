// Two options with no comma between them.
use tracewire::prelude::*;

#[traced(skip_all kind = server)]
fn load(id: u64) {
    let _ = id;
}

fn main() {}
