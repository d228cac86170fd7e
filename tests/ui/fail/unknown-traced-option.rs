// An option #[traced] does not know (`level` is a `tracing` option).
use tracewire::prelude::*;

#[traced(level = "info")]
fn load() {}

fn main() {}
