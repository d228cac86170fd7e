// #[handle_out] on a free fn.
use tracewire::prelude::*;

#[handle_out("message:new")]
fn push() {}

fn main() {}
