//! Reading trace context from an untrusted carrier: [`extract`], which
//! hands the propagators only fields that passed validation.

use std::borrow::Cow;

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

use super::fields::{BAGGAGE, MAX_BAGGAGE_LEN, MAX_TRACESTATE_LEN, TRACEPARENT, TRACESTATE};
use super::formats::{Propagators, propagators};
use super::validate::{list, traceparent};

/// Extracts a context from an untrusted `carrier`, reading only the formats
/// [`propagators`](super::propagators()) carries.
///
/// The result is built from an empty [`Context`], never from the current one:
/// it holds a remote span context only if the carrier held a valid
/// `traceparent` (see the [module docs](super) for the validation rules and
/// limits), and baggage only if the carrier held acceptable baggage.
/// Malformed input is ignored; this function never panics.
///
/// Multiple values for one field are read through [`Extractor::get_all`].
pub fn extract(carrier: &dyn Extractor) -> Context {
    extract_with(propagators(), carrier)
}

pub(super) fn extract_with(propagators: Propagators, carrier: &dyn Extractor) -> Context {
    let mut cx = Context::new();
    if propagators.trace_context() {
        let validated = Validated {
            traceparent: traceparent(carrier),
            tracestate: list(carrier, TRACESTATE, MAX_TRACESTATE_LEN),
            baggage: None,
        };
        cx = TraceContextPropagator::new().extract_with_context(&cx, &validated);
    }
    if propagators.baggage() {
        let validated = Validated {
            traceparent: None,
            tracestate: None,
            baggage: list(carrier, BAGGAGE, MAX_BAGGAGE_LEN),
        };
        cx = BaggagePropagator::new().extract_with_context(&cx, &validated);
    }
    cx
}

/// The validated fields of an incoming carrier: what the propagators see.
struct Validated<'a> {
    traceparent: Option<&'a str>,
    tracestate: Option<Cow<'a, str>>,
    baggage: Option<Cow<'a, str>>,
}

impl Extractor for Validated<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            TRACEPARENT => self.traceparent,
            TRACESTATE => self.tracestate.as_deref(),
            BAGGAGE => self.baggage.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        let present = [
            self.traceparent.is_some(),
            self.tracestate.is_some(),
            self.baggage.is_some(),
        ];
        [TRACEPARENT, TRACESTATE, BAGGAGE]
            .into_iter()
            .zip(present)
            .filter_map(|(key, present)| present.then_some(key))
            .collect()
    }
}
