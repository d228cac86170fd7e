// `skip(self)`: `self` is never recorded.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span(skip(self))]
    fn get(&self, id: u64) {
        let _ = id;
    }
}

fn main() {}
