// `name` given as an identifier instead of a string literal.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor(name = user_cache)]
impl UserCache {
    fn get(&self) {}
}

fn main() {}
