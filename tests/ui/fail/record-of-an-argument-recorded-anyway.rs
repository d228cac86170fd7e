// `record(..)` of an argument that nothing keeps off the span.
use tracewire::prelude::*;

#[traced(record(user))]
fn login(user: String, password: String) {
    let _ = (user, password);
}

fn main() {}
