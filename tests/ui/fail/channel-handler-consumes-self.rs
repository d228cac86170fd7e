// A channel handler cannot consume the channel: it keeps running after.
use tracewire::channel::{JoinError, Socket};
use tracewire::prelude::*;

struct Room;

#[traced_channel(topic = "room:*")]
impl Room {
    async fn join(topic: &str, socket: &mut Socket) -> Result<Self, JoinError> {
        let _ = (topic, socket);
        Ok(Room)
    }

    #[event("close")]
    fn close(self, socket: &mut Socket) {
        let _ = socket;
    }
}

fn main() {}
