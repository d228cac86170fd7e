//! ractor's `ActorRef` as a send site: `cast`, `call`, `send_message`,
//! `cast!`, `call!` and `call_t!` on it in traced code get a span (see
//! `send_site`). A ractor `ActorRef` knows its message type, not its actor:
//! spans are named after the message type less a `_msg` or `_message`
//! suffix (`counter.cast add` for an `ActorRef<CounterMsg>`).

use ::ractor::ActorRef;

use crate::__private::{SendProbe, ViaSendSite};

impl<M: ::ractor::Message> ViaSendSite for SendProbe<'_, ActorRef<M>> {
    #[inline]
    fn __tw_send_actor(&self) -> Option<&'static str> {
        Some(actor_name::<M>())
    }
}

impl<M: ::ractor::Message> ViaSendSite for SendProbe<'_, &ActorRef<M>> {
    #[inline]
    fn __tw_send_actor(&self) -> Option<&'static str> {
        Some(actor_name::<M>())
    }
}

/// `counter` for `CounterMsg` or `CounterMessage`; the type's snake_case
/// name otherwise.
pub(crate) fn actor_name<M: ?Sized>() -> &'static str {
    let label = crate::static_name::type_label::<M>();
    ["_msg", "_message"]
        .iter()
        .find_map(|suffix| label.strip_suffix(suffix).filter(|s| !s.is_empty()))
        .unwrap_or(label)
}
