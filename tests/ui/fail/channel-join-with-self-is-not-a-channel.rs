// A `join` that takes `self` and returns something other than the channel
// leaves the impl spans-only: there is no generated `Channel` impl, so
// registering the type with a server is an error that says which `join`
// would make it a channel.
use tracewire::channel::{
    Assigns, ConnectError, ConnectInfo, ConnectParams, JoinError, Server, Socket, SocketHandler,
};
use tracewire::prelude::*;

struct Anyone;

impl SocketHandler for Anyone {
    async fn connect(&self, _: &ConnectParams, _: &ConnectInfo) -> Result<Assigns, ConnectError> {
        Ok(Assigns::new())
    }
}

struct Joined;

struct RoomChannel;

#[traced_channel(topic = "room:*")]
impl RoomChannel {
    async fn join(&self, topic: &str, socket: &mut Socket) -> Result<Joined, JoinError> {
        let _ = (topic, socket);
        Ok(Joined)
    }
}

fn main() {
    let _server = Server::new(Anyone).channel::<RoomChannel>("room:*");
}
