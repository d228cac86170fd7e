// An actor impl for `[u8]`, whose Self type gives no span name.
use tracewire::prelude::*;

trait Checksum {
    fn checksum(&self) -> u8;
}

#[traced_actor]
impl Checksum for [u8] {
    fn checksum(&self) -> u8 {
        self.iter().fold(0, |a, b| a ^ b)
    }
}

fn main() {}
