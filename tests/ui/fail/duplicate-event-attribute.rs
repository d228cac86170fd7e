// Two #[event] attributes on one method.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[event("message:new")]
    #[event("message:edit")]
    fn on_message(&self) {}
}

fn main() {}
