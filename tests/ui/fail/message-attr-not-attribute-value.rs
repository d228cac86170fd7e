// A marked field whose type does not implement `tracewire::AttributeValue`.
use tracewire::Message;

struct Region {
    code: u16,
}

#[derive(Message)]
enum CacheCall {
    GetUser {
        #[message(attr)]
        region: Region,
    },
}

fn main() {
    let CacheCall::GetUser { region } = CacheCall::GetUser { region: Region { code: 1 } };
    let _ = region.code;
}
