// An empty topic pattern.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel(topic = "")]
impl RoomChannel {
    fn join(&self) {}
}

fn main() {}
