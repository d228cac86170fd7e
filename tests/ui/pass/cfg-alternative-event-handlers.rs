// Regression: two methods handling the same event under different #[cfg]s are
// alternatives (one is compiled), not duplicates.
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    #[cfg(not(any()))]
    #[event("message:new")]
    fn new_message(&self) -> &'static str {
        let handler = "enabled";
        handler
    }

    #[cfg(any())]
    #[event("message:new")]
    fn new_message(&self) -> &'static str {
        let handler = "disabled";
        handler
    }
}

fn main() {
    assert_eq!(RoomChannel.new_message(), "enabled");
}
