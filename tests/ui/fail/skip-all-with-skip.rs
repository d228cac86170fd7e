// `skip(..)` next to `skip_all`, which already skips everything.
use tracewire::prelude::*;

#[traced(skip_all, skip(password))]
fn login(user: String, password: String) {
    let _ = (user, password);
}

fn main() {}
