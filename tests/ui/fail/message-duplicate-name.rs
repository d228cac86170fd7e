// Two variants with the same name: one by its ident, one by `name = ..`.
use tracewire::Message;

#[derive(Message)]
enum CacheCall {
    GetUser,
    #[message(name = "get_user")]
    FetchUser,
}

fn main() {
    let _ = CacheCall::FetchUser.variant_name();
}
