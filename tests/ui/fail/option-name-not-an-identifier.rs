// An option written as a string literal instead of a name.
use tracewire::prelude::*;

#[traced("name" = "load")]
fn load() {}

fn main() {}
