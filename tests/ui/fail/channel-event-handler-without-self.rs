// An #[event] method of a channel whose `Channel` impl is generated must run
// on the joined channel: it needs a receiver.
use tracewire::channel::{JoinError, Socket};
use tracewire::prelude::*;

struct Room;

#[traced_channel(topic = "room:*")]
impl Room {
    async fn join(topic: &str, socket: &mut Socket) -> Result<Self, JoinError> {
        let _ = (topic, socket);
        Ok(Room)
    }

    #[event("ping")]
    fn ping(socket: &mut Socket) {
        let _ = socket;
    }
}

fn main() {}
