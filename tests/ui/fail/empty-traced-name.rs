// An empty span name on #[traced].
use tracewire::prelude::*;

#[traced(name = "")]
fn load() {}

fn main() {}
