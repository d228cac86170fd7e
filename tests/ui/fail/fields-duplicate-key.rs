// The same field key declared twice.
use tracewire::prelude::*;

#[traced(fields(region = "eu", region = "us"))]
fn load() {}

fn main() {}
