// #[event] given an identifier instead of a string literal.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[event(message_new)]
    fn new_message(&self) {}
}

fn main() {}
