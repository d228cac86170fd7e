// An option #[traced_channel] does not know (`topics` instead of `topic`).
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel(topics = "room:*")]
impl RoomChannel {
    fn join(&self) {}
}

fn main() {}
