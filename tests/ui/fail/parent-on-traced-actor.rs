// `parent` is per handler (#[span] or #[traced]), not on #[traced_actor].
use tracewire::prelude::*;

struct Worker;

#[traced_actor(parent = cx)]
impl Worker {
    fn resume(&self, cx: opentelemetry::Context) {
        let _ = cx;
    }
}

fn main() {}
