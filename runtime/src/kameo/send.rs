//! kameo's `ActorRef` as a send site: `ask` and `tell` on it in traced code
//! get a span (see `send_site`), named after the actor's type.

use ::kameo::Actor;
use ::kameo::actor::ActorRef;

use crate::__private::{SendProbe, ViaSendSite};

impl<A: Actor> ViaSendSite for SendProbe<'_, ActorRef<A>> {
    #[inline]
    fn __tw_send_actor(&self) -> Option<&'static str> {
        Some(crate::static_name::type_label::<A>())
    }
}

impl<A: Actor> ViaSendSite for SendProbe<'_, &ActorRef<A>> {
    #[inline]
    fn __tw_send_actor(&self) -> Option<&'static str> {
        Some(crate::static_name::type_label::<A>())
    }
}
