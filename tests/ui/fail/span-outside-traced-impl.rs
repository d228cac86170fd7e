// #[span] on a free fn; #[traced(...)] takes the same options there.
use tracewire::prelude::*;

#[span(name = "load")]
fn load() {}

fn main() {}
