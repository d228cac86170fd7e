//! The SDK-wide settings: the propagators the carriers use, the span limits
//! and the metric temporality.

use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::trace::SpanLimits;

use super::super::InitError;
use super::vars::*;
use crate::carrier::Propagators;

/// `OTEL_PROPAGATORS`: `tracecontext`, `baggage`, both, or `none`; the
/// default is both, as the specification says.
pub(crate) fn propagators_from_env(env: &Env<'_>) -> Result<Propagators, InitError> {
    const EXPECTED: &str = "a comma-separated list of tracecontext and baggage, or none \
                            (b3, jaeger, xray and others are not part of tracewire)";
    let Some(value) = env.get(PROPAGATORS) else {
        return Ok(Propagators::default());
    };
    let mut propagators = Propagators::NONE;
    let mut none = false;
    for name in name_list(&value) {
        match name.as_str() {
            "tracecontext" => propagators = propagators | Propagators::TRACE_CONTEXT,
            "baggage" => propagators = propagators | Propagators::BAGGAGE,
            "none" => none = true,
            _ => return Err(invalid_env(PROPAGATORS, &value, EXPECTED)),
        }
    }
    if none && propagators != Propagators::NONE {
        return Err(invalid_env(
            PROPAGATORS,
            &value,
            "none alone (it means no propagation), or tracecontext and baggage",
        ));
    }
    Ok(propagators)
}

/// The span limits, and the longest string attribute value kept (none by
/// default). A span-specific variable wins over the general attribute one.
pub(crate) fn span_limits(env: &Env<'_>) -> Result<(SpanLimits, Option<usize>), InitError> {
    let defaults = SpanLimits::default();
    // The SDK counts in u32; a larger limit is no limit at all.
    let limit_u32 = |vars: &[&'static str], default: u32| -> Result<u32, InitError> {
        for var in vars {
            if let Some(n) = limit(env, var)? {
                return Ok(u32::try_from(n).unwrap_or(u32::MAX));
            }
        }
        Ok(default)
    };
    let limits = SpanLimits {
        max_attributes_per_span: limit_u32(
            &[SPAN_ATTRIBUTE_COUNT_LIMIT, ATTRIBUTE_COUNT_LIMIT],
            defaults.max_attributes_per_span,
        )?,
        max_events_per_span: limit_u32(&[SPAN_EVENT_COUNT_LIMIT], defaults.max_events_per_span)?,
        max_links_per_span: limit_u32(&[SPAN_LINK_COUNT_LIMIT], defaults.max_links_per_span)?,
        max_attributes_per_event: limit_u32(
            &[EVENT_ATTRIBUTE_COUNT_LIMIT, ATTRIBUTE_COUNT_LIMIT],
            defaults.max_attributes_per_event,
        )?,
        max_attributes_per_link: limit_u32(
            &[LINK_ATTRIBUTE_COUNT_LIMIT, ATTRIBUTE_COUNT_LIMIT],
            defaults.max_attributes_per_link,
        )?,
    };
    let value_length = match limit(env, SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT)? {
        Some(n) => Some(n),
        None => limit(env, ATTRIBUTE_VALUE_LENGTH_LIMIT)?,
    };
    Ok((limits, value_length))
}

/// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`: `cumulative` (the
/// default), `delta` or `lowmemory`. Applies to every metric exporter.
pub(crate) fn temporality(env: &Env<'_>) -> Result<Temporality, InitError> {
    let Some(value) = env.get(METRICS_TEMPORALITY) else {
        return Ok(Temporality::Cumulative);
    };
    match value.to_ascii_lowercase().as_str() {
        "cumulative" => Ok(Temporality::Cumulative),
        "delta" => Ok(Temporality::Delta),
        "lowmemory" => Ok(Temporality::LowMemory),
        _ => Err(invalid_env(
            METRICS_TEMPORALITY,
            &value,
            "cumulative, delta or lowmemory",
        )),
    }
}
