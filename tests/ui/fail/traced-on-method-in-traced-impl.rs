// #[traced] on a method of an impl that is already #[traced_actor].
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[traced]
    fn get(&self) {}
}

fn main() {}
