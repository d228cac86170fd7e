// `kind` written like a list instead of `kind = ...`.
use tracewire::prelude::*;

#[traced(kind(server))]
fn load() {}

fn main() {}
