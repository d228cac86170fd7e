// #[untraced] given an argument.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[untraced(hot_path)]
    fn len(&self) -> usize {
        0
    }
}

fn main() {}
