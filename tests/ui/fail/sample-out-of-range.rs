// `sample` given a rate above 1.0, which is not a probability.
use tracewire::prelude::*;

#[traced(sample = 1.5)]
fn load() {}

fn main() {}
