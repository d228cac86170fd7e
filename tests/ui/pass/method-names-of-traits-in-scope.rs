// Regression: traits in scope whose by-value methods share names with the
// span's (`tracing::Instrument::instrument`, and others like it) do not
// capture the generated calls.
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

#[allow(dead_code)]
trait Instrument: Sized {
    fn instrument(self, _other: u8) -> Self {
        self
    }
    fn in_scope(self, _other: u8) -> Self {
        self
    }
    fn record(self, _other: u8) -> Self {
        self
    }
    fn finish(self, _other: u8) -> Self {
        self
    }
    fn is_recording(self) -> bool {
        false
    }
}

impl<T> Instrument for T {}

#[traced]
async fn fetch(id: u64) -> u64 {
    id + 1
}

#[traced]
fn compute(id: u64) -> u64 {
    id * 2
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tracing = TestTracing::install();
    assert_eq!(fetch(1).await, 2);
    assert_eq!(compute(2), 4);
    let tree = tracing.tree();
    tree.span("fetch").assert_attr("id", 1i64);
    tree.span("compute").assert_attr("id", 2i64);
}
