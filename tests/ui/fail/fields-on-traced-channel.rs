// `fields` is per handler (#[span] or #[traced]), not on #[traced_channel].
use tracewire::prelude::*;

struct RoomChannel;

#[traced_channel(fields(region = "eu"))]
impl RoomChannel {
    fn join(&self) {}
}

fn main() {}
