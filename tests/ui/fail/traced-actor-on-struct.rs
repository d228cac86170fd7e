// #[traced_actor] on a struct instead of its impl block.
use tracewire::prelude::*;

#[traced_actor]
struct UserCache {
    users: Vec<u64>,
}

fn main() {}
