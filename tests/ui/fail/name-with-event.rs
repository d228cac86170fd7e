// `name` in #[span] of an #[event] method, which is named after its event.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[event("message:new")]
    #[span(name = "room.message")]
    fn new_message(&self) {}
}

fn main() {}
