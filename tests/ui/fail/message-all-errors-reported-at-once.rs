// Four different mistakes in one enum: all four are reported in one compile.
use tracewire::Message;

#[derive(Message)]
#[message(name = "calls")]
enum CacheCall {
    #[message(name = "")]
    GetUser(#[message(attr)] u64),
    Refresh,
    #[message(name = "refresh")]
    Reload,
}

fn main() {
    let _ = CacheCall::Refresh.variant_name();
}
