// #[handle_out] given two event names; a method handles one.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[handle_out("message:new", "message:edit")]
    fn push(&self) {}
}

fn main() {}
