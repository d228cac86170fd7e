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
