// `skip` names an argument the fn does not have.
use tracewire::prelude::*;

struct UserCache;

#[traced_actor]
impl UserCache {
    #[span(skip(password))]
    fn login(&self, user: String, passwd: String) {
        let _ = (user, passwd);
    }
}

fn main() {}
