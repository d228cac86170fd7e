use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel]
impl RoomChannel {
    async fn join(_topic: &str, _params: (), _socket: &mut tracewire::channel::Socket) -> Result<Self, String> {
        Ok(RoomChannel)
    }
}

fn main() {}
