// `kind` is per handler (#[span] or #[traced]), not on #[traced_actor].
use tracewire::prelude::*;

struct UserCache;

#[traced_actor(kind = server)]
impl UserCache {
    fn get(&self) {}
}

fn main() {}
