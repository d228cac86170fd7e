// #[untraced] on a method of an impl that is not traced.
use tracewire::prelude::*;

struct UserCache;

impl UserCache {
    #[untraced]
    fn len(&self) -> usize {
        0
    }
}

fn main() {}
