// A const fn in a traced impl: spans start at run time.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    const fn capacity(&self) -> usize {
        16
    }
}

fn main() {}
