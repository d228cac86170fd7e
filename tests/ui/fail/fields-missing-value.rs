// A declared field with no `= value`.
use tracewire::prelude::*;

#[traced(fields(user_id))]
fn load(id: u64) {
    let _ = id;
}

fn main() {}
