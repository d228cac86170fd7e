//! The `crate = ..` override, with tracewire renamed to `tw` in Cargo.toml.

/// A worker traced through the renamed crate.
pub struct Worker;

#[tw::traced_actor(crate = tw)]
impl Worker {
    /// Returns `units` unchanged, inside span `worker.work`.
    pub fn work(&self, units: u32) -> u32 {
        units
    }
}

/// A free fn traced through the renamed crate, with the path as a string.
#[tw::traced(crate = "tw", name = "renamed.free")]
pub fn free() {}

#[cfg(test)]
mod tests {
    use super::*;
    use tw::testing::TestTracing;

    #[test]
    fn crate_override_reaches_the_runtime_through_a_renamed_dependency() {
        let tracing = TestTracing::install();
        assert_eq!(Worker.work(3), 3);
        free();
        let tree = tracing.tree();
        tree.span("worker.work").assert_attr("units", 3i64);
        tree.span("renamed.free").assert_root();
    }
}
