// #[event] on a method of a #[traced_actor] impl: actors have no channel events.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[event("user:get")]
    fn get(&self) {}
}

fn main() {}
