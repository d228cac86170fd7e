// `terminate` is given its reason and the socket, never a payload.
use tracewire::channel::{JoinError, LeaveReason, Socket};
use tracewire::prelude::*;

struct Room;

#[traced_channel(topic = "room:*")]
impl Room {
    async fn join(topic: &str, socket: &mut Socket) -> Result<Self, JoinError> {
        let _ = (topic, socket);
        Ok(Room)
    }

    fn terminate(&mut self, reason: &LeaveReason, last_words: String) {
        let _ = (reason, last_words);
    }
}

fn main() {}
