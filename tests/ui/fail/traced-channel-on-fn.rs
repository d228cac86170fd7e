// #[traced_channel] on a free fn.
use tracewire::prelude::*;

#[traced_channel]
fn join(topic: &str) {
    let _ = topic;
}

fn main() {}
