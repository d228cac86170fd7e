// `parent` names an argument the fn does not have.
use tracewire::prelude::*;

struct Worker;

#[traced_actor]
impl Worker {
    #[span(parent = ctx)]
    fn resume(&self, cx: opentelemetry::Context) {
        let _ = cx;
    }
}

fn main() {}
