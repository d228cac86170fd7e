//! Actors registered by name ([`ActorRef::register`], written here with the
//! registry it writes to), found again with [`whereis`], as Erlang's
//! registered processes.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::{Actor, ActorRef};

type Registry = Mutex<HashMap<String, Box<dyn Any + Send>>>;

fn registry() -> &'static Registry {
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

impl<A: Actor> ActorRef<A> {
    /// Registers this actor under `name`, replacing any earlier one; find it
    /// again with [`whereis`].
    pub fn register(&self, name: impl Into<String>) {
        registry()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.into(), Box::new(self.clone()));
    }
}
