// A channel handler gets one message body: at most one payload argument.
use tracewire::channel::{JoinError, Socket};
use tracewire::prelude::*;

struct Room;

#[traced_channel(topic = "room:*")]
impl Room {
    async fn join(topic: &str, socket: &mut Socket) -> Result<Self, JoinError> {
        let _ = (topic, socket);
        Ok(Room)
    }

    #[event("message:new")]
    fn message(&mut self, body: String, extra: u64, socket: &mut Socket) {
        let _ = (body, extra, socket);
    }
}

fn main() {}
