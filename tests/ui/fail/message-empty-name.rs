// An empty variant name.
use tracewire::Message;

#[derive(Message)]
enum CacheCall {
    #[message(name = "")]
    GetUser,
}

fn main() {
    let _ = CacheCall::GetUser.variant_name();
}
