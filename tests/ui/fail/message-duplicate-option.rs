// The same option given twice, across two #[message(...)] attributes.
use tracewire::Message;

#[derive(Message)]
enum CacheCall {
    #[message(name = "get")]
    #[message(name = "get_user")]
    GetUser,
}

fn main() {
    let _ = CacheCall::GetUser.variant_name();
}
