//! Writing trace context into a carrier: [`inject`], through tracewire's
//! own W3C propagators and a filter on what they write.

use opentelemetry::Context;
use opentelemetry::propagation::{Injector, TextMapPropagator};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

use super::fields::{BAGGAGE, MAX_BAGGAGE_LEN};
use super::formats::{Propagators, propagators};

/// Injects the span context (`traceparent`, `tracestate`) and baggage of `cx`
/// into `carrier`, each if [`propagators`](super::propagators()) carries it.
///
/// This uses tracewire's own W3C propagators, *not* the OpenTelemetry
/// global propagator, which is a no-op until an application installs one.
/// Nothing is written for a context without a valid span context (except
/// its baggage), an empty `tracestate` is not written, and baggage longer
/// than 8192 bytes is not written (a receiver would drop it).
pub fn inject(cx: &Context, carrier: &mut dyn Injector) {
    inject_with(propagators(), cx, carrier);
}

pub(super) fn inject_with(propagators: Propagators, cx: &Context, carrier: &mut dyn Injector) {
    let mut outgoing = Outgoing(carrier);
    if propagators.trace_context() {
        TraceContextPropagator::new().inject_context(cx, &mut outgoing);
    }
    if propagators.baggage() {
        BaggagePropagator::new().inject_context(cx, &mut outgoing);
    }
}

/// Filters what the propagators write: no empty values (an empty
/// `tracestate`), no baggage a receiver would drop.
struct Outgoing<'a>(&'a mut dyn Injector);

impl Injector for Outgoing<'_> {
    fn set(&mut self, key: &str, value: String) {
        if value.is_empty() || (key == BAGGAGE && value.len() > MAX_BAGGAGE_LEN) {
            return;
        }
        self.0.set(key, value);
    }
}
