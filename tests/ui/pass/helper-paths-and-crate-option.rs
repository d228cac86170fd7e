// Helper attributes written through the crate path (`#[tracewire::span]`,
// `#[tracewire::event]`, ...), the macros used by path without the prelude,
// and `crate = ..` given as a path and as a string.
use tracewire::testing::TestTracing;

struct Jobs;

#[tracewire::traced_actor(crate = ::tracewire)]
impl Jobs {
    #[tracewire::span(name = "jobs.run_now", kind = producer)]
    fn run(&self, job: u32) {
        let _ = job;
    }

    #[tracewire::untraced]
    fn idle(&self) {}
}

struct QueueChannel;

#[tracewire::traced_channel(crate = "::tracewire", topic = "queue:*")]
impl QueueChannel {
    #[tracewire::event("job:done")]
    fn done(&self, job: u32) {
        let _ = job;
    }

    #[tracewire::handle_out("job:done")]
    fn announce(&self) {}
}

#[tracewire::traced(crate = tracewire)]
fn standalone() {}

fn main() {
    let tracing = TestTracing::install();
    Jobs.run(1);
    Jobs.idle();
    QueueChannel.done(2);
    QueueChannel.announce();
    standalone();

    let tree = tracing.tree();
    tree.assert_shape(
        "
        jobs.run_now
        queue.handle_in job:done
        queue.handle_out job:done
        standalone
        ",
    );
    tree.span("jobs.run_now").assert_attr("job", 1i64);
    tree.span("queue.handle_in job:done")
        .assert_attr("job", 2i64);
}
