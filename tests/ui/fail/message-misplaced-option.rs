// A field option (`attr`) written on a variant.
use tracewire::Message;

#[derive(Message)]
enum CacheCall {
    #[message(attr)]
    GetUser(u64),
}

fn main() {
    let _ = CacheCall::GetUser(1).variant_name();
}
