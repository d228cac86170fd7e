// An empty span name on #[traced_actor].
use tracewire::prelude::*;

struct UserCache;

#[traced_actor(name = "")]
impl UserCache {
    fn get(&self) {}
}

fn main() {}
