// `crate` given something that is not a path.
use tracewire::Message;

#[derive(Message)]
#[message(crate = 3)]
enum CacheCall {
    GetUser,
}

fn main() {
    let _ = CacheCall::GetUser.variant_name();
}
