// One method marked both #[event] and #[handle_out].
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[event("message:new")]
    #[handle_out("message:new")]
    fn message(&self) {}
}

fn main() {}
