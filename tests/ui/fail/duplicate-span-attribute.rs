// Two #[span] attributes on one method.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span(name = "cache.get")]
    #[span(kind = server)]
    fn get(&self) {}
}

fn main() {}
