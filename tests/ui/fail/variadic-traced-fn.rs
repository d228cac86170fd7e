// #[traced] on a C-variadic fn.
use tracewire::prelude::*;

#[traced]
unsafe extern "C" fn log(level: i32, _: ...) {
    let _ = level;
}

fn main() {}
