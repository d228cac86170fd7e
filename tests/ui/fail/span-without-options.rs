// A bare #[span]: it has nothing to say, every method is traced without it.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span]
    fn get(&self) {}
}

fn main() {}
