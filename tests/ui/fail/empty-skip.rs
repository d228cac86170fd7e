// `skip()` that names no argument.
use tracewire::prelude::*;

#[traced(skip())]
fn login(user: String) {
    let _ = user;
}

fn main() {}
