//! Message enums with static variant names, for span names such as
//! `user_cache.handle_call get_user`.
//!
//! `#[derive(Message)]` implements [`Message`] for an enum: each variant gets
//! a static name (the snake_case of the variant, or `#[message(name = "..")]`),
//! and fields marked `#[message(attr)]` are recorded as span attributes when
//! the span is recording.
//!
//! A handler span's name joins a static prefix and a variant name, once per
//! (prefix, variant) pair (see `static_name`); a per-call-site cache makes
//! each call after the first cost an atomic load, with no allocation.

use std::sync::OnceLock;

use opentelemetry::Value;

/// A message type whose values name themselves: an enum deriving
/// `tracewire::Message`.
///
/// # Examples
///
/// ```
/// use tracewire::Message;
///
/// #[derive(Message)]
/// enum CacheCall {
///     GetUser {
///         #[message(attr)]
///         user_id: u64,
///     },
///     #[message(name = "stats")]
///     Statistics,
/// }
///
/// assert_eq!(CacheCall::VARIANTS, &["get_user", "stats"]);
/// assert_eq!(CacheCall::GetUser { user_id: 7 }.variant_name(), "get_user");
///
/// let mut recorded = Vec::new();
/// CacheCall::GetUser { user_id: 7 }.record_attributes(&mut |k, v| recorded.push((k, v)));
/// assert_eq!(recorded, vec![("user_id", opentelemetry::Value::I64(7))]);
/// ```
pub trait Message {
    /// The static names of every variant, in declaration order.
    const VARIANTS: &'static [&'static str];

    /// The index of this value's variant in [`VARIANTS`](Self::VARIANTS).
    fn variant_index(&self) -> usize;

    /// The name of this value's variant.
    fn variant_name(&self) -> &'static str {
        Self::VARIANTS
            .get(self.variant_index())
            .copied()
            .unwrap_or("unknown")
    }

    /// Hands each attribute of this value to `record`. Called only for
    /// recording spans.
    fn record_attributes(&self, record: &mut dyn FnMut(&'static str, Value)) {
        let _ = record;
    }

    /// Whether this value's sender waits for a reply, which makes its
    /// handler's span a SERVER span rather than a CONSUMER one in a kameo
    /// or ractor `handle`. `#[derive(Message)]` answers `true` for a variant
    /// with a field whose type is named `RpcReplyPort` (ractor's `call!`
    /// and `call_t!` messages).
    fn expects_reply(&self) -> bool {
        false
    }
}

/// `"{prefix} {variant}"` as a `'static` string, built once per pair.
pub(crate) fn joined_name(prefix: &'static str, variant: &'static str) -> &'static str {
    crate::static_name::concat(prefix, " ", variant)
}

/// Per-call-site cache of joined names, indexed by variant. Generated code
/// keeps one in a `static` next to each message handler.
#[doc(hidden)]
pub struct VariantNames {
    prefix: &'static str,
    slots: OnceLock<Box<[OnceLock<&'static str>]>>,
}

impl VariantNames {
    pub const fn new(prefix: &'static str) -> Self {
        VariantNames {
            prefix,
            slots: OnceLock::new(),
        }
    }

    /// The span name for `message`.
    #[inline]
    pub fn name_for<M: Message + ?Sized>(&self, message: &M) -> &'static str {
        let index = message.variant_index();
        let variant = message.variant_name();
        let slots = self.slots.get_or_init(|| {
            (0..M::VARIANTS.len().max(1))
                .map(|_| OnceLock::new())
                .collect()
        });
        let Some(slot) = slots.get(index) else {
            return joined_name(self.prefix, variant);
        };
        let name = *slot.get_or_init(|| joined_name(self.prefix, variant));
        // A `static` in a generic fn is shared by every instantiation, so two
        // message types can meet in one cache; a mismatch takes the slow path.
        if name.len() == self.prefix.len() + 1 + variant.len() && name.ends_with(variant) {
            name
        } else {
            joined_name(self.prefix, variant)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    enum Two {
        A,
        B,
    }

    impl Message for Two {
        const VARIANTS: &'static [&'static str] = &["a", "b"];
        fn variant_index(&self) -> usize {
            match self {
                Two::A => 0,
                Two::B => 1,
            }
        }
    }

    #[test]
    fn joined_names_are_built_once_and_reused() {
        let first = joined_name("cache.call", "a");
        let again = joined_name("cache.call", "a");
        assert_eq!(first, "cache.call a");
        assert!(std::ptr::eq(first, again));
    }

    #[test]
    fn variant_names_cache_per_variant() {
        static NAMES: VariantNames = VariantNames::new("x.handle_call");
        assert_eq!(NAMES.name_for(&Two::A), "x.handle_call a");
        assert_eq!(NAMES.name_for(&Two::B), "x.handle_call b");
        assert!(std::ptr::eq(
            NAMES.name_for(&Two::B),
            NAMES.name_for(&Two::B)
        ));
    }
}
