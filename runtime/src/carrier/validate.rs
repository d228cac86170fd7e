//! The validation of untrusted input: what a `traceparent`, `tracestate`
//! or `baggage` value must be before a propagator sees it (the rules and
//! limits are in the [module docs](super#validation-and-limits)).

use std::borrow::Cow;

use opentelemetry::propagation::Extractor;

use super::fields::{MAX_TRACEPARENT_LEN, TRACEPARENT, TRACEPARENT_LEN};

/// Whether `value` could be an HTTP field value made of visible ASCII, spaces
/// and tabs (which also rules out non-ASCII text in maps and JSON).
fn field_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// The single `traceparent` of `carrier`, validated and normalized to the 55
/// bytes the propagator should parse.
pub(super) fn traceparent(carrier: &dyn Extractor) -> Option<&str> {
    let values = carrier.get_all(TRACEPARENT)?;
    // Several traceparent values: invalid, even if they agree (W3C §3.2).
    if values.len() != 1 {
        return None;
    }
    let value = values[0];
    if value.len() > MAX_TRACEPARENT_LEN || !field_safe(value) {
        return None;
    }
    valid_traceparent(value)
}

/// Checks `value` against the W3C `traceparent` grammar, which the 0.33
/// propagator does not fully enforce (it parses fields with
/// `from_str_radix`, so it accepts short, over-long, signed or zero-padded
/// fields, uppercase versions and a trailing dash). Returns the version,
/// trace id, parent id and flags (the first 55 bytes) on success.
fn valid_traceparent(value: &str) -> Option<&str> {
    // Optional whitespace around an HTTP field value is not part of it.
    let value = value.trim_matches([' ', '\t']);
    let bytes = value.as_bytes();
    if bytes.len() < TRACEPARENT_LEN {
        return None;
    }
    let lower_hex = |field: &[u8]| field.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let non_zero = |field: &[u8]| field.iter().any(|&b| b != b'0');
    let (version, trace_id, span_id, flags) =
        (&bytes[0..2], &bytes[3..35], &bytes[36..52], &bytes[53..55]);
    let well_formed = [bytes[2], bytes[35], bytes[52]] == [b'-'; 3]
        && lower_hex(version)
        && lower_hex(trace_id)
        && lower_hex(span_id)
        && lower_hex(flags)
        && version != b"ff"
        && non_zero(trace_id)
        && non_zero(span_id);
    if !well_formed {
        return None;
    }
    let complete = if version == b"00" {
        bytes.len() == TRACEPARENT_LEN
    } else {
        // A future version: parse the first four fields, provided the flags
        // end the value or are followed by a dash (W3C §3.2.4).
        bytes.get(TRACEPARENT_LEN).is_none_or(|&b| b == b'-')
    };
    if complete {
        value.get(..TRACEPARENT_LEN)
    } else {
        None
    }
}

/// The values of a list-valued field (`tracestate`, `baggage`) joined with
/// `,`, or nothing if the joined value exceeds `max_len` or any value is not
/// field-safe.
pub(super) fn list<'a>(
    carrier: &'a dyn Extractor,
    key: &str,
    max_len: usize,
) -> Option<Cow<'a, str>> {
    let values = carrier.get_all(key)?;
    let joined_len =
        values.iter().map(|value| value.len()).sum::<usize>() + values.len().saturating_sub(1);
    if joined_len > max_len || !values.iter().all(|value| field_safe(value)) {
        return None;
    }
    let values: Vec<&str> = values
        .into_iter()
        .filter(|value| !value.trim_matches([' ', '\t']).is_empty())
        .collect();
    match values.as_slice() {
        [] => None,
        [value] => Some(Cow::Borrowed(*value)),
        _ => Some(Cow::Owned(values.join(","))),
    }
}
