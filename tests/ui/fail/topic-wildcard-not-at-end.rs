// A `*` in the middle of a topic pattern, which never matches.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel(topic = "room:*:x")]
impl RoomChannel {
    fn join(&self) {}
}

fn main() {}
