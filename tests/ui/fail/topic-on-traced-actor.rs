// `topic` belongs on #[traced_channel], not on #[traced_actor].
use tracewire::prelude::*;

struct UserCache;

#[traced_actor(topic = "cache:*")]
impl UserCache {
    fn get(&self) {}
}

fn main() {}
