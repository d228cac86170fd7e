// `fields` written as `fields = ...` instead of `fields(...)`.
use tracewire::prelude::*;

#[traced(fields = 1)]
fn load() {}

fn main() {}
