// #[event] with no event name.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[event]
    fn new_message(&self) {}
}

fn main() {}
