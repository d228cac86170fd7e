// `crate` given a string that is not a path.
use tracewire::prelude::*;

#[traced(crate = "not a path")]
fn load() {}

fn main() {}
