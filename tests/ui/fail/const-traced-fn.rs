// #[traced] on a const fn.
use tracewire::prelude::*;

#[traced]
const fn capacity() -> usize {
    16
}

fn main() {}
