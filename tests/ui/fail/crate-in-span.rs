// `crate` is set once for the whole impl, not per method in #[span].
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span(crate = ::tracewire)]
    fn get(&self) {}
}

fn main() {}
