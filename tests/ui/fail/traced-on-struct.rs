// #[traced] on a struct.
use tracewire::prelude::*;

#[traced]
struct UserCache {
    users: Vec<u64>,
}

fn main() {}
