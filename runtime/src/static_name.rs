//! Span names built at run time but kept for the life of the process, so
//! they can be `&'static str` like the names the macros write.
//!
//! A handler span's name can join two static parts: an actor's name and
//! `call`, a prefix and a message variant, a channel and a broadcast event.
//! Both parts are `'static` and their combinations are fixed by the program
//! text, so the set is bounded; each joined name is built once and each later
//! look-up costs a read lock and a hash, with no allocation.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

type Parts = (&'static str, &'static str, &'static str);

/// `a`, `sep` and `b` joined as a `'static` string, built once per triple.
pub(crate) fn concat(a: &'static str, sep: &'static str, b: &'static str) -> &'static str {
    static NAMES: OnceLock<RwLock<HashMap<Parts, &'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(Default::default);
    if let Some(name) = names
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&(a, sep, b))
    {
        return name;
    }
    let mut names = names.write().unwrap_or_else(|e| e.into_inner());
    names
        .entry((a, sep, b))
        .or_insert_with(|| Box::leak(format!("{a}{sep}{b}").into_boxed_str()))
}

/// `user_cache` for `my_app::cache::UserCache<T>`: the last path segment of
/// `T`'s type name, without generic arguments, in snake_case by the rule the
/// macros use for the names they write (so a name derived here at run time
/// and one the macro fixed at compile time agree). Built once per type name.
pub(crate) fn type_label<T: ?Sized>() -> &'static str {
    static LABELS: OnceLock<RwLock<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let full = std::any::type_name::<T>();
    let labels = LABELS.get_or_init(Default::default);
    if let Some(label) = labels.read().unwrap_or_else(|e| e.into_inner()).get(full) {
        return label;
    }
    let mut labels = labels.write().unwrap_or_else(|e| e.into_inner());
    labels
        .entry(full)
        .or_insert_with(|| Box::leak(snake_case(last_segment(full)).into_boxed_str()))
}

/// `UserCache` from `my_app::cache::UserCache<my_app::Db>`; `&T` and
/// `[T]` are looked through to `T`'s name.
fn last_segment(type_name: &str) -> &str {
    let trimmed = type_name.trim_start_matches(['&', '*', '[', '(']);
    let trimmed = trimmed
        .strip_prefix("mut ")
        .or_else(|| trimmed.strip_prefix("const "))
        .unwrap_or(trimmed);
    let no_generics = trimmed.split('<').next().unwrap_or(trimmed);
    no_generics.rsplit("::").next().unwrap_or(no_generics)
}

/// `user_cache` from `UserCache`, `http_server` from `HTTPServer`: the same
/// rule as `tracewire-macros`' own `snake_case`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p));
            let next = chars.get(i + 1);
            let boundary = match prev {
                None => false,
                Some(p) if *p == '_' => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) => p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()),
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else if c == ';' || c == ']' || c == ')' || c == ' ' {
            // The rest of `[T; N]` or a tuple: not part of the name.
            break;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct HTTPServer;
    #[allow(dead_code)]
    struct UserCache<T>(T);

    #[test]
    fn type_labels_follow_the_macros_snake_case() {
        assert_eq!(type_label::<HTTPServer>(), "http_server");
        assert_eq!(type_label::<UserCache<HTTPServer>>(), "user_cache");
        assert_eq!(type_label::<&mut UserCache<u8>>(), "user_cache");
        assert_eq!(type_label::<u64>(), "u64");
        assert!(std::ptr::eq(
            type_label::<HTTPServer>(),
            type_label::<HTTPServer>()
        ));
    }
}
