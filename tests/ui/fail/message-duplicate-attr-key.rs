// Two marked fields of one variant recorded under the same key.
use tracewire::Message;

#[derive(Message)]
enum CacheCall {
    GetUser {
        #[message(attr = "user_id")]
        id: u64,
        #[message(attr)]
        user_id: u64,
    },
}

fn main() {
    let _ = CacheCall::GetUser { id: 1, user_id: 2 }.variant_name();
}
