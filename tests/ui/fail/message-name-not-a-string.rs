// `name` given an identifier instead of a string literal.
use tracewire::Message;

#[derive(Message)]
enum CacheCall {
    #[message(name = get)]
    GetUser,
}

fn main() {
    let _ = CacheCall::GetUser.variant_name();
}
