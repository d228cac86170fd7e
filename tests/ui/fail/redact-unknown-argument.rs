// `redact` names an argument of a fn that has no named arguments.
use tracewire::prelude::*;

#[traced(redact(token))]
fn refresh() {}

fn main() {}
