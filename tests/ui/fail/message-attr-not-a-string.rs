// `attr` given something other than a string literal key.
use tracewire::Message;

#[derive(Message)]
enum CacheCall {
    GetUser {
        #[message(attr = user.id)]
        user_id: u64,
    },
}

fn main() {
    let _ = CacheCall::GetUser { user_id: 7 }.variant_name();
}
