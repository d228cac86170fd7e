// A channel impl for a tuple type, whose Self type gives no span name.
use tracewire::prelude::*;

trait Join {
    fn join(&self);
}

#[traced_channel]
impl Join for (u8, u16) {
    fn join(&self) {}
}

fn main() {}
