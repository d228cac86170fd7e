// An option #[message(...)] does not know, on a variant.
use tracewire::Message;

#[derive(Message)]
enum CacheCall {
    #[message(rename = "get")]
    GetUser,
}

fn main() {
    let _ = CacheCall::GetUser.variant_name();
}
