//! Attribute probes: `(&AttrProbe(&arg)).__tw_value()` records an argument
//! whose type is a plain value, and nothing otherwise; and the values of
//! declared fields and of redacted arguments.

use opentelemetry::Value;

/// Attribute detection by autoref specialisation: `(&AttrProbe(&arg)).__tw_value()`
/// resolves to [`RecordAttr`] when the argument's type implements
/// [`AttributeValue`](crate::AttributeValue), and to [`SkipAttr`] (records
/// nothing) otherwise. This is how arguments "of plain value types" are found
/// without the macro having to guess from type syntax.
#[doc(hidden)]
pub struct AttrProbe<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait RecordAttr {
    fn __tw_value(&self) -> Option<Value>;

    /// The mask, for an argument whose name looks like a secret's.
    #[inline]
    fn __tw_masked(&self) -> Option<Value> {
        redacted()
    }
}

impl<T: crate::AttributeValue + ?Sized> RecordAttr for AttrProbe<'_, T> {
    /// An argument is recorded without anyone asking for it, and often comes
    /// from a client: a string is cut to a bounded length.
    #[inline]
    fn __tw_value(&self) -> Option<Value> {
        self.0.attribute_value().map(crate::value::bounded)
    }
}

#[doc(hidden)]
pub trait SkipAttr {
    #[inline]
    fn __tw_value(&self) -> Option<Value> {
        None
    }

    #[inline]
    fn __tw_masked(&self) -> Option<Value> {
        None
    }
}

impl<T: ?Sized> SkipAttr for &AttrProbe<'_, T> {}

/// The value of a declared field. A separate function so that a type
/// that cannot be recorded is reported on the user's expression.
#[inline]
pub fn field_value<T: crate::AttributeValue + ?Sized>(value: &T) -> Option<Value> {
    value.attribute_value()
}

/// The mask recorded for `redact(..)` arguments.
#[inline]
pub fn redacted() -> Option<Value> {
    Some(Value::String(crate::semconv::REDACTED.into()))
}
