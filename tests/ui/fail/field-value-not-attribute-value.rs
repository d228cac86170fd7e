// A declared field whose type does not implement `AttributeValue`.
use tracewire::prelude::*;

struct Region {
    code: u16,
}

#[traced(fields(home = region))]
fn load(region: Region) {
    let _ = region.code;
}

fn main() {}
