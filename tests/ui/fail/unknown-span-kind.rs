// A span kind that does not exist (`serverr`).
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span(kind = serverr)]
    fn get(&self) {}
}

fn main() {}
