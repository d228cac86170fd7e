// Regression: a sync handler returning `!` compiles, warning-free.
use tracewire::prelude::*;

struct Server;

#[traced_actor]
impl Server {
    fn fail(&self, code: i32) -> ! {
        std::process::exit(code)
    }
}

#[traced]
fn abort_now() -> ! {
    std::process::abort()
}

fn main() {
    if std::env::args().count() > 99 {
        Server.fail(0);
    }
    if std::env::args().count() > 100 {
        abort_now();
    }
}
