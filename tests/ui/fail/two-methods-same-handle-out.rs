// Two methods intercept the same #[handle_out] event.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[handle_out("message:new")]
    fn push(&self) {}

    #[handle_out("message:new")]
    fn push_again(&self) {}
}

fn main() {}
