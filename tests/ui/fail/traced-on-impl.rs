// #[traced] on an impl block, where #[traced_actor] belongs.
use tracewire::prelude::*;

struct UserCache;

#[traced]
impl UserCache {
    fn get(&self) {}
}

fn main() {}
