// `name` written without `= "..."`.
use tracewire::prelude::*;

#[traced(name)]
fn load() {}

fn main() {}
