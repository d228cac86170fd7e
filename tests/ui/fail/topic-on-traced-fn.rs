// `topic` belongs on #[traced_channel], not on #[traced].
use tracewire::prelude::*;

#[traced(topic = "room:*")]
fn join() {}

fn main() {}
