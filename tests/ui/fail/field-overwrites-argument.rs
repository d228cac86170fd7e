// A declared field with the same key as a recorded argument.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span(fields(user_id = user_id + 1))]
    fn get(&self, user_id: u64) {
        let _ = user_id;
    }
}

fn main() {}
