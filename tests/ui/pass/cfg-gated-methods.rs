// `#[cfg(..)]` on methods of a traced impl: an enabled method is traced, a
// disabled one disappears with its span, and `#[cfg_attr(..)]` passes through.
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

struct Service;

#[traced_actor]
impl Service {
    #[cfg(all())]
    fn enabled(&self) -> u8 {
        1
    }

    #[cfg(any())]
    fn disabled(&self) -> u8 {
        compile_error!("a disabled method is never compiled")
    }

    #[cfg(any())]
    #[span(name = "service.never")]
    fn disabled_with_span(&self) {}

    #[cfg(not(any()))]
    #[span(name = "service.platform")]
    fn platform(&self) -> &'static str {
        "any"
    }

    #[cfg_attr(all(), inline)]
    fn with_cfg_attr(&self) {}
}

fn main() {
    let tracing = TestTracing::install();
    assert_eq!(Service.enabled(), 1);
    assert_eq!(Service.platform(), "any");
    Service.with_cfg_attr();

    let tree = tracing.tree();
    tree.assert_shape(
        "
        service.enabled
        service.platform
        service.with_cfg_attr
        ",
    );
}
