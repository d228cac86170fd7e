// Three different mistakes in one impl: all three are reported in one compile.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor(nmae = "cache")]
impl UserCache {
    #[event("user:get")]
    fn get(&self) {}

    #[span(skip(password))]
    fn login(&self, passwd: String) {
        let _ = passwd;
    }
}

fn main() {}
