// The same option given twice inside #[span].
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span(kind = server, kind = client)]
    fn get(&self) {}
}

fn main() {}
