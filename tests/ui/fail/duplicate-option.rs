// The same option given twice.
use tracewire::prelude::*;

#[traced(name = "load", name = "load_user")]
fn load() {}

fn main() {}
