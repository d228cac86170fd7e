// Two commas in a row between options.
use tracewire::prelude::*;

#[traced(name = "load",, kind = server)]
fn load() {}

fn main() {}
