// A field declared with an empty string as its key.
use tracewire::prelude::*;

#[traced(fields("" = 1))]
fn load() {}

fn main() {}
