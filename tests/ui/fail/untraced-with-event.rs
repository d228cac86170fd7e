// #[untraced] on an #[event] method contradicts it.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[event("ping")]
    #[untraced]
    fn ping(&self) {}
}

fn main() {}
