// An option #[traced_actor] does not know (a typo of `name`).
use tracewire::prelude::*;

struct UserCache;

#[traced_actor(nmae = "cache")]
impl UserCache {
    fn get(&self) {}
}

fn main() {}
