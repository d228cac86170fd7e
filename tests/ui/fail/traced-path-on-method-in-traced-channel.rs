// #[tracewire::traced] on a method of a #[traced_channel] impl.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[tracewire::traced(name = "room.join")]
    fn join(&self) {}
}

fn main() {}
