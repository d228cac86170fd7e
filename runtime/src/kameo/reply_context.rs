//! Whether a kameo message was sent with `ask` (its sender waits for the
//! reply: the handler's span is SERVER) or `tell` (CONSUMER), read from the
//! handler's `Context`.
//!
//! kameo 0.22 keeps the reply sender private in `Context` and offers no way
//! to look at it without taking it, but `Context`'s `Debug` prints it as its
//! last field: `.., reply: None }` for a `tell`. Only the tail of that text
//! is kept, in a fixed buffer, so nothing is allocated. The kameo tests in
//! `tests/integrations/kameo.rs` pin this for the kameo version we build on.

use std::fmt::{self, Write as _};

use ::kameo::Actor;
use ::kameo::message::Context;
use ::kameo::reply::Reply;

use crate::__private::{ReplyProbe, ViaReplyContext};

impl<A: Actor, R: Reply + ?Sized> ViaReplyContext for ReplyProbe<'_, &mut Context<A, R>> {
    #[inline]
    fn __tw_expects_reply(&self) -> Option<bool> {
        Some(expects_reply(&**self.0))
    }
}

impl<A: Actor, R: Reply + ?Sized> ViaReplyContext for ReplyProbe<'_, Context<A, R>> {
    #[inline]
    fn __tw_expects_reply(&self) -> Option<bool> {
        Some(expects_reply(self.0))
    }
}

/// `false` when `ctx`'s `Debug` ends in `reply: None }`.
fn expects_reply(ctx: &dyn fmt::Debug) -> bool {
    const TELL: &[u8] = b"reply: None }";
    let mut tail = Tail::default();
    if write!(tail, "{ctx:?}").is_err() {
        return false;
    }
    !tail.ends_with(TELL)
}

/// The last 32 bytes written to it.
#[derive(Default)]
struct Tail {
    buf: [u8; 32],
    len: usize,
}

impl Tail {
    fn ends_with(&self, suffix: &[u8]) -> bool {
        self.buf[..self.len].ends_with(suffix)
    }
}

impl fmt::Write for Tail {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let bytes = s.as_bytes();
        let cap = self.buf.len();
        if bytes.len() >= cap {
            self.buf.copy_from_slice(&bytes[bytes.len() - cap..]);
            self.len = cap;
        } else {
            let keep = (cap - bytes.len()).min(self.len);
            self.buf.copy_within(self.len - keep..self.len, 0);
            self.buf[keep..keep + bytes.len()].copy_from_slice(bytes);
            self.len = keep + bytes.len();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_bytes() {
        let mut tail = Tail::default();
        for _ in 0..10 {
            tail.write_str("abcdefgh, ").unwrap();
        }
        tail.write_str("reply: None }").unwrap();
        assert!(tail.ends_with(b"reply: None }"));
        tail.write_str(")").unwrap();
        assert!(!tail.ends_with(b"reply: None }"));
        let long = "x".repeat(100) + "reply: None }";
        tail.write_str(&long).unwrap();
        assert!(tail.ends_with(b"reply: None }"));
    }
}
