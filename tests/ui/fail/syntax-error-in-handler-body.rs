// A syntax error inside a method body of a traced impl.
use tracewire::prelude::*;

struct Worker;

#[traced_actor]
impl Worker {
    fn run(&self) -> u8 {
        let x = ;
        x
    }
}

fn main() {}
