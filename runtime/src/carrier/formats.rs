//! Which W3C formats are carried: [`Propagators`], one process-wide
//! setting that [`inject`](super::inject()) and [`extract`](super::extract())
//! read.

use std::fmt;
use std::ops::BitOr;
use std::sync::atomic::{AtomicU8, Ordering};

/// Which W3C formats [`inject`](super::inject()) writes and
/// [`extract`](super::extract()) reads: Trace Context
/// (`traceparent`, `tracestate`) and Baggage (`baggage`). Both by default.
///
/// `OTEL_PROPAGATORS` names them `tracecontext` and `baggage`, and `none`
/// for neither; [`init`](crate::init) reads it and calls
/// [`set_propagators`].
///
/// ```
/// use tracewire::carrier::Propagators;
///
/// let both = Propagators::TRACE_CONTEXT | Propagators::BAGGAGE;
/// assert_eq!(both, Propagators::default());
/// assert!(both.trace_context() && both.baggage());
/// assert!(!Propagators::NONE.trace_context());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Propagators(u8);

impl Propagators {
    /// Nothing is carried: inject writes nothing, extract reads nothing.
    pub const NONE: Propagators = Propagators(0);
    /// W3C Trace Context: `traceparent` and `tracestate`.
    pub const TRACE_CONTEXT: Propagators = Propagators(1);
    /// W3C Baggage: `baggage`.
    pub const BAGGAGE: Propagators = Propagators(2);

    /// Whether Trace Context is carried.
    pub const fn trace_context(self) -> bool {
        self.0 & Self::TRACE_CONTEXT.0 != 0
    }

    /// Whether Baggage is carried.
    pub const fn baggage(self) -> bool {
        self.0 & Self::BAGGAGE.0 != 0
    }
}

impl Default for Propagators {
    /// Trace Context and Baggage, the specification's default.
    fn default() -> Self {
        Propagators::TRACE_CONTEXT | Propagators::BAGGAGE
    }
}

impl BitOr for Propagators {
    type Output = Propagators;

    fn bitor(self, other: Propagators) -> Propagators {
        Propagators(self.0 | other.0)
    }
}

impl fmt::Debug for Propagators {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As OTEL_PROPAGATORS spells them.
        match (self.trace_context(), self.baggage()) {
            (true, true) => f.write_str("Propagators(tracecontext,baggage)"),
            (true, false) => f.write_str("Propagators(tracecontext)"),
            (false, true) => f.write_str("Propagators(baggage)"),
            (false, false) => f.write_str("Propagators(none)"),
        }
    }
}

/// The propagators in use, as [`Propagators`] bits.
static PROPAGATORS: AtomicU8 = AtomicU8::new(3);

/// Sets which formats every carrier in this process writes and reads from
/// now on. [`init`](crate::init) calls it with `OTEL_PROPAGATORS` (or
/// [`TelemetryBuilder::propagators`](crate::TelemetryBuilder::propagators)),
/// and its guard sets the default back when it shuts down.
///
/// ```
/// use opentelemetry::Context;
/// use opentelemetry::baggage::BaggageExt as _;
/// use opentelemetry::KeyValue;
/// use tracewire::carrier::{Propagators, inject_map, set_propagators};
///
/// let cx = Context::new().with_baggage([KeyValue::new("tenant", "acme")]);
/// let mut map = std::collections::HashMap::new();
///
/// set_propagators(Propagators::TRACE_CONTEXT);
/// inject_map(&cx, &mut map);
/// assert!(map.get("baggage").is_none());
///
/// set_propagators(Propagators::default());
/// inject_map(&cx, &mut map);
/// assert_eq!(map["baggage"], "tenant=acme");
/// ```
pub fn set_propagators(propagators: Propagators) {
    PROPAGATORS.store(propagators.0, Ordering::Relaxed);
}

/// The formats the carriers write and read right now.
pub fn propagators() -> Propagators {
    Propagators(PROPAGATORS.load(Ordering::Relaxed))
}
