// #[event] on a method of an impl that is not #[traced_channel].
use tracewire::prelude::*;

struct RoomChannel;

impl RoomChannel {
    #[event("message:new")]
    fn new_message(&self) {}
}

fn main() {}
