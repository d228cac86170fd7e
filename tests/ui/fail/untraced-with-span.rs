// #[untraced] and #[span] on the same method contradict each other.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[untraced]
    #[span(name = "cache.len")]
    fn len(&self) -> usize {
        0
    }
}

fn main() {}
