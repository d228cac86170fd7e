// A blank span name in a method's #[span].
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span(name = "  ")]
    fn get(&self) {}
}

fn main() {}
