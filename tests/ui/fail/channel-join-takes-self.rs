// `join` returns the channel it creates, so it cannot take `self`: the
// channel does not exist until `join` has made it.
use tracewire::channel::{JoinError, Socket};
use tracewire::prelude::*;

struct Room {
    user: String,
}

#[traced_channel(topic = "room:*")]
impl Room {
    async fn join(&self, topic: &str, socket: &mut Socket) -> Result<Self, JoinError> {
        let _ = (topic, socket);
        Ok(Room {
            user: self.user.clone(),
        })
    }

    #[event("message:new")]
    fn message(&mut self, body: String) {
        let _ = (body, &self.user);
    }
}

fn main() {}
