// One argument both skipped and redacted.
use tracewire::prelude::*;

#[traced(skip(password), redact(password))]
fn login(user: String, password: String) {
    let _ = (user, password);
}

fn main() {}
