//! Trace and span ids from a thread-local generator: no lock, no shared
//! state, a few instructions per id.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher};

use opentelemetry::trace::{SpanId, TraceId};

thread_local! {
    /// wyrand's state, seeded on first use per thread from the standard
    /// library's randomly keyed hasher (itself seeded from the OS once per
    /// process). Zero until then: a const initialiser costs no lazy-init
    /// check on each access.
    static STATE: Cell<u64> = const { Cell::new(0) };
}

#[cold]
fn seed() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_usize(&hasher as *const _ as usize);
    // Never zero, which means "not seeded".
    hasher.finish() | 1
}

/// wyrand (Wang Yi): passes BigCrush and PractRand, one multiply per value.
#[inline]
fn next() -> u64 {
    STATE.with(|state| {
        let mut s = state.get();
        if s == 0 {
            s = seed();
        }
        let s = s.wrapping_add(0xa076_1d64_78bd_642f);
        state.set(s);
        let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
        ((t >> 64) as u64) ^ (t as u64)
    })
}

/// A new span id, never the invalid (zero) one.
#[inline]
pub(crate) fn span_id() -> SpanId {
    loop {
        let id = next();
        if id != 0 {
            return SpanId::from(id);
        }
    }
}

/// A new trace id, never the invalid (zero) one.
#[inline]
pub(crate) fn trace_id() -> TraceId {
    loop {
        let id = (u128::from(next()) << 64) | u128::from(next());
        if id != 0 {
            return TraceId::from(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_valid_and_distinct() {
        let ids: std::collections::HashSet<_> = (0..10_000).map(|_| span_id()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(!ids.contains(&SpanId::INVALID));
        let other = std::thread::spawn(trace_id).join().unwrap();
        assert_ne!(other, trace_id());
        assert_ne!(other, TraceId::INVALID);
    }
}
