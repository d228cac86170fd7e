// #[handle_out] on a method of a #[traced_actor] impl.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[handle_out("user:updated")]
    fn push(&self) {}
}

fn main() {}
