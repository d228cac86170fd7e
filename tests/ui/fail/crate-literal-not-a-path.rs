// `crate` given a number instead of a path.
use tracewire::prelude::*;

#[traced(crate = 42)]
fn load() {}

fn main() {}
