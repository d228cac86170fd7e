// `crate` names a path where tracewire is not.
use tracewire::prelude::*;

#[traced(crate = ::tracewire_not_here)]
fn load() {}

fn main() {}
