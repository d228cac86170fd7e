// An option #[span] does not know (`skip_none`).
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span(skip_none)]
    fn get(&self, id: u64) {
        let _ = id;
    }
}

fn main() {}
