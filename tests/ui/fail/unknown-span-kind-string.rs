// A span kind given as a string that is not an identifier at all.
use tracewire::prelude::*;

#[traced(kind = "not a kind")]
fn load() {}

fn main() {}
