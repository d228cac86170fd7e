// An #[event] method returns `()`, a `Reply` or a `Result` of serialisable
// values; a plain value is not a reply.
use tracewire::channel::{JoinError, Socket};
use tracewire::prelude::*;

struct Room;

struct Sent {
    id: u64,
}

#[traced_channel(topic = "room:*")]
impl Room {
    async fn join(topic: &str, socket: &mut Socket) -> Result<Self, JoinError> {
        let _ = (topic, socket);
        Ok(Room)
    }

    #[event("message:new")]
    fn message(&mut self, socket: &mut Socket) -> Sent {
        let _ = socket;
        Sent { id: 1 }
    }
}

fn main() {}
