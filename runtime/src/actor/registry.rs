//! Actors registered by name ([`ActorRef::register`]), found again with
//! [`whereis`], as Erlang's registered processes.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::{Actor, ActorRef};

type Registry = Mutex<HashMap<String, Box<dyn Any + Send>>>;

pub(crate) fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// The actor registered under `name` with [`ActorRef::register`], if it is
/// of type `A` and running.
pub fn whereis<A: Actor>(name: &str) -> Option<ActorRef<A>> {
    let registry = registry().lock().unwrap_or_else(|e| e.into_inner());
    registry
        .get(name)
        .and_then(|r| r.downcast_ref::<ActorRef<A>>())
        .filter(|r| r.is_running())
        .cloned()
}
