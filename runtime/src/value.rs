//! Conversion of handler arguments and declared fields into typed
//! OpenTelemetry attribute values.
//!
//! Values are converted to their natural OpenTelemetry type (an integer stays
//! an `i64`, a flag stays a `bool`) rather than to a `Debug` string, so that
//! back ends can filter and aggregate on them.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use opentelemetry::{StringValue, Value};

/// A type that can be recorded as a span attribute.
///
/// Handler arguments whose type implements it are recorded automatically
/// under the argument's name; anything else is left out. Implement it for
/// your own identifier types to have them recorded too.
///
/// Returning `None` leaves the attribute out (an absent `Option`, for example).
///
/// # Examples
///
/// ```
/// use tracewire::AttributeValue;
/// use opentelemetry::Value;
///
/// struct UserId(u64);
///
/// impl AttributeValue for UserId {
///     fn attribute_value(&self) -> Option<Value> {
///         self.0.attribute_value()
///     }
/// }
///
/// assert_eq!(UserId(7).attribute_value(), Some(Value::I64(7)));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a span attribute",
    label = "not a plain attribute value",
    note = "record it with `%expr` (its Display form) or `?expr` (its Debug form), or implement `tracewire::AttributeValue` for it"
)]
pub trait AttributeValue {
    /// The OpenTelemetry value to record, or `None` to record nothing.
    fn attribute_value(&self) -> Option<Value>;
}

macro_rules! lossless_int {
    ($($t:ty),*) => {$(
        impl AttributeValue for $t {
            #[inline]
            fn attribute_value(&self) -> Option<Value> {
                Some(Value::I64(i64::from(*self)))
            }
        }
    )*};
}
lossless_int!(i8, i16, i32, i64, u8, u16, u32);

// OpenTelemetry has no unsigned 64-bit or 128-bit value. A value that fits in
// an i64 stays an integer; a larger one becomes its decimal string rather
// than wrapping to a wrong negative number.
macro_rules! wide_int {
    ($($t:ty),*) => {$(
        impl AttributeValue for $t {
            #[inline]
            fn attribute_value(&self) -> Option<Value> {
                Some(match i64::try_from(*self) {
                    Ok(v) => Value::I64(v),
                    Err(_) => Value::String(self.to_string().into()),
                })
            }
        }
    )*};
}
wide_int!(u64, usize, isize, i128, u128);

impl AttributeValue for f64 {
    #[inline]
    fn attribute_value(&self) -> Option<Value> {
        Some(Value::F64(*self))
    }
}

impl AttributeValue for f32 {
    #[inline]
    fn attribute_value(&self) -> Option<Value> {
        Some(Value::F64(f64::from(*self)))
    }
}

impl AttributeValue for bool {
    #[inline]
    fn attribute_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

impl AttributeValue for char {
    fn attribute_value(&self) -> Option<Value> {
        Some(Value::String(self.to_string().into()))
    }
}

impl AttributeValue for str {
    fn attribute_value(&self) -> Option<Value> {
        Some(Value::String(StringValue::from(self.to_owned())))
    }
}

impl AttributeValue for String {
    fn attribute_value(&self) -> Option<Value> {
        self.as_str().attribute_value()
    }
}

impl AttributeValue for Cow<'_, str> {
    fn attribute_value(&self) -> Option<Value> {
        match self {
            // A borrowed 'static string could be kept without a copy, but the
            // lifetime is erased here; one copy on the recording path is fine.
            Cow::Borrowed(s) => s.attribute_value(),
            Cow::Owned(s) => s.attribute_value(),
        }
    }
}

impl AttributeValue for Value {
    fn attribute_value(&self) -> Option<Value> {
        Some(self.clone())
    }
}

impl<T: AttributeValue> AttributeValue for Option<T> {
    #[inline]
    fn attribute_value(&self) -> Option<Value> {
        self.as_ref().and_then(T::attribute_value)
    }
}

macro_rules! via_deref {
    ($($w:ty),*) => {$(
        impl<T: AttributeValue + ?Sized> AttributeValue for $w {
            #[inline]
            fn attribute_value(&self) -> Option<Value> {
                (**self).attribute_value()
            }
        }
    )*};
}
via_deref!(&T, &mut T, Box<T>, Arc<T>, Rc<T>);

/// A value recorded as its `Display` form: `fields(key = %expr)`.
#[doc(hidden)]
pub struct DisplayValue<'a, T: ?Sized>(pub &'a T);

impl<T: std::fmt::Display + ?Sized> AttributeValue for DisplayValue<'_, T> {
    fn attribute_value(&self) -> Option<Value> {
        Some(Value::String(self.0.to_string().into()))
    }
}

/// A value recorded as its `Debug` form: `fields(key = ?expr)`.
#[doc(hidden)]
pub struct DebugValue<'a, T: ?Sized>(pub &'a T);

impl<T: std::fmt::Debug + ?Sized> AttributeValue for DebugValue<'_, T> {
    fn attribute_value(&self) -> Option<Value> {
        Some(Value::String(format!("{:?}", self.0).into()))
    }
}

/// `s` cut to at most [`MAX_RECORDED_STRING`](crate::semconv::MAX_RECORDED_STRING)
/// bytes, at a character boundary, ending with `…` when it was cut: the form
/// in which tracewire records a string nobody chose to record (an argument
/// recorded by default, a client's user agent or topic), so one client
/// cannot put a megabyte into every span.
pub(crate) fn bounded_str(s: &str) -> Cow<'_, str> {
    const ELLIPSIS: &str = "…";
    let max = crate::semconv::MAX_RECORDED_STRING;
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let mut end = max - ELLIPSIS.len();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{ELLIPSIS}", &s[..end]))
}

/// `value`, with a string cut as [`bounded_str`] cuts it.
pub(crate) fn bounded(value: Value) -> Value {
    match value {
        Value::String(s) if s.as_str().len() > crate::semconv::MAX_RECORDED_STRING => {
            Value::String(bounded_str(s.as_str()).into_owned().into())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_strings_are_cut_at_a_char_boundary() {
        let max = crate::semconv::MAX_RECORDED_STRING;
        assert_eq!(bounded_str("short"), "short");
        let exact = "x".repeat(max);
        assert_eq!(bounded_str(&exact), exact.as_str());
        let long = "é".repeat(max);
        let cut = bounded_str(&long);
        assert!(cut.len() <= max, "{}", cut.len());
        assert!(cut.ends_with('…'));
        assert!(cut.trim_end_matches('…').chars().all(|c| c == 'é'));
        assert_eq!(bounded(Value::I64(3)), Value::I64(3));
        assert_eq!(
            bounded(Value::String("y".repeat(max + 1).into())),
            Value::String(format!("{}…", "y".repeat(max - 3)).into())
        );
    }

    #[test]
    fn integers_stay_integers() {
        assert_eq!(5u8.attribute_value(), Some(Value::I64(5)));
        assert_eq!((-3i32).attribute_value(), Some(Value::I64(-3)));
        assert_eq!(42u64.attribute_value(), Some(Value::I64(42)));
    }

    #[test]
    fn u64_beyond_i64_becomes_decimal_string() {
        assert_eq!(
            u64::MAX.attribute_value(),
            Some(Value::String("18446744073709551615".into()))
        );
    }

    #[test]
    fn references_and_options_unwrap() {
        let s = String::from("x");
        let r: &&String = &&s;
        assert_eq!(r.attribute_value(), Some(Value::String("x".into())));
        assert_eq!(None::<u8>.attribute_value(), None);
        assert_eq!(Some(true).attribute_value(), Some(Value::Bool(true)));
    }
}
