// Everything in a traced impl that is not a traced method passes through
// unchanged: doc comments and other attributes, associated consts and types,
// macro invocations, and `#[untraced]` methods.
use tracewire::prelude::*;
use tracewire::testing::TestTracing;

trait Shape {
    type Unit;
    const SIDES: u32;
    fn area(&self) -> f64;
    fn unit(&self) -> Self::Unit;
}

macro_rules! constant_method {
    ($name:ident, $value:expr) => {
        fn $name(&self) -> u32 {
            $value
        }
    };
}

/// A square.
struct Square {
    side: f64,
}

#[traced_actor]
/// Doc comments on the impl block itself stay.
impl Shape for Square {
    /// The unit the area is measured in.
    type Unit = &'static str;

    /// A square has four sides.
    const SIDES: u32 = 4;

    /// The area, `side * side`.
    #[inline]
    fn area(&self) -> f64 {
        self.side * self.side
    }

    #[doc = "The unit, as an attribute-style doc comment."]
    fn unit(&self) -> Self::Unit {
        "m²"
    }
}

#[traced_actor]
impl Square {
    /// A const: not traced, used by the handlers.
    const SCALE: f64 = 2.0;

    constant_method!(answer, 42);

    /// A helper that is called often and is left without a span.
    #[untraced]
    fn scaled(&self) -> f64 {
        self.side * Self::SCALE
    }

    /// `#[untraced]` may be written through the crate path too.
    #[tracewire::untraced]
    pub const fn sides() -> u32 {
        <Square as Shape>::SIDES
    }

    /// Traced, and calls the untraced helpers.
    #[allow(clippy::float_cmp)]
    fn perimeter(&self) -> f64 {
        self.scaled() * 2.0
    }
}

fn main() {
    let tracing = TestTracing::install();
    let square = Square { side: 3.0 };
    assert_eq!(square.area(), 9.0);
    assert_eq!(square.unit(), "m²");
    assert_eq!(square.perimeter(), 12.0);
    assert_eq!(square.answer(), 42);
    const SIDES: u32 = Square::sides();
    assert_eq!(SIDES, 4);

    let tree = tracing.tree();
    // The macro-generated method is not seen by the traced macro: no span.
    tree.assert_shape(
        "
        square.area
        square.unit
        square.perimeter
        ",
    );
}
