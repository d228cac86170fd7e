// `attr` without a key on a tuple field, which has no name to record under.
use tracewire::Message;

#[derive(Message)]
enum CacheCall {
    GetUser(#[message(attr)] u64),
}

fn main() {
    let _ = CacheCall::GetUser(7).variant_name();
}
