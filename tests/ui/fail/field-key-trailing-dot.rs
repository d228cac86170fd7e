// A dotted field key that ends in a dot.
use tracewire::prelude::*;

#[traced(fields(user. = 1))]
fn load() {}

fn main() {}
