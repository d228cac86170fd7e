// One argument both recorded as it is and redacted.
use tracewire::prelude::*;

#[traced(record(password), redact(password))]
fn login(user: String, password: String) {
    let _ = (user, password);
}

fn main() {}
