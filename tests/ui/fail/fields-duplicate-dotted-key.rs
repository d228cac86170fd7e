// The same dotted field key declared twice, once as a path and once as a string.
use tracewire::prelude::*;

#[traced(fields(user.id = 1, "user.id" = 2))]
fn load() {}

fn main() {}
