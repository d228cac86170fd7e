// `skip = password` instead of `skip(password)`.
use tracewire::prelude::*;

#[traced(skip = password)]
fn login(password: String) {
    let _ = password;
}

fn main() {}
