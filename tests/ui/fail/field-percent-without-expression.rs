// `%` (record as Display) with no expression after it.
use tracewire::prelude::*;

#[traced(fields(user = %))]
fn load() {}

fn main() {}
