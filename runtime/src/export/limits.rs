//! The attribute value length limit (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`),
//! which the OpenTelemetry SDK's `SpanLimits` does not have: string values
//! (alone or in arrays) of span, event and link attributes are cut to the
//! limit, counted in characters as the specification says. The count limits
//! are the SDK's own.

use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// Cuts every string attribute value of `span`, its events and its links
/// to at most `limit` characters.
pub(crate) fn truncate_attribute_values(span: &mut SpanData, limit: usize) {
    truncate_all(&mut span.attributes, limit);
    for event in &mut span.events.events {
        truncate_all(&mut event.attributes, limit);
    }
    for link in &mut span.links.links {
        truncate_all(&mut link.attributes, limit);
    }
}

fn truncate_all(attributes: &mut [KeyValue], limit: usize) {
    for attribute in attributes {
        match &mut attribute.value {
            Value::String(value) => truncate(value, limit),
            Value::Array(Array::String(values)) => {
                values.iter_mut().for_each(|value| truncate(value, limit));
            }
            _ => {}
        }
    }
}

fn truncate(value: &mut StringValue, limit: usize) {
    // Only a value over the limit is copied.
    if let Some((end, _)) = value.as_str().char_indices().nth(limit) {
        *value = StringValue::from(value.as_str()[..end].to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_cut_in_characters_and_other_values_kept() {
        let mut attributes = vec![
            KeyValue::new("ascii", "abcdef"),
            KeyValue::new("short", "ab"),
            KeyValue::new("wide", "ééééé"),
            KeyValue::new("n", 123_456_789_i64),
            KeyValue::new(
                "list",
                Value::Array(Array::String(vec!["xyzxyz".into(), "x".into()])),
            ),
        ];
        truncate_all(&mut attributes, 3);
        let values: Vec<String> = attributes.iter().map(|kv| kv.value.to_string()).collect();
        assert_eq!(values, ["abc", "ab", "ééé", "123456789", "[\"xyz\",\"x\"]"]);
        truncate_all(&mut attributes, 0);
        assert_eq!(attributes[0].value.to_string(), "");
    }
}
