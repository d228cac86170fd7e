// Two methods handle the same #[event].
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[event("message:new")]
    fn new_message(&self) {}

    #[event("message:new")]
    fn another_new_message(&self) {}
}

fn main() {}
