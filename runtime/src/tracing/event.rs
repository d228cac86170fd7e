//! A `tracing` event as an OpenTelemetry span event: its message as the
//! event's name, its level and target, and each field as an attribute of
//! the value's own type.

use std::fmt;

use ::tracing::Event;
use ::tracing::field::{Field, Visit};
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue, Value};

use crate::semconv::{TRACING_LEVEL as LEVEL, TRACING_TARGET as TARGET};

/// Adds `event` to the span `cx` holds, when that span is recording.
pub(crate) fn add_to_span(event: &Event<'_>, cx: &Context) {
    let span = cx.span();
    if !span.is_recording() {
        return;
    }
    let meta = event.metadata();
    let mut fields = EventFields {
        message: None,
        attributes: Vec::with_capacity(meta.fields().len() + 2),
    };
    fields
        .attributes
        .push(KeyValue::new(LEVEL, meta.level().as_str()));
    fields
        .attributes
        .push(KeyValue::new(TARGET, meta.target().to_owned()));
    event.record(&mut fields);
    let name = fields.message.unwrap_or_else(|| meta.name().to_owned());
    span.add_event(name, fields.attributes);
}

/// Collects an event's fields: `message` apart, the others as attributes.
struct EventFields {
    message: Option<String>,
    attributes: Vec<KeyValue>,
}

impl EventFields {
    fn push(&mut self, field: &Field, value: Value) {
        // `log.*` fields are what the `log` crate's records carry through
        // tracing-log: their metadata, already in level and target.
        if !field.name().starts_with("log.") {
            self.attributes.push(KeyValue::new(field.name(), value));
        }
    }
}

impl Visit for EventFields {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, Value::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match i64::try_from(value) {
            Ok(value) => self.push(field, Value::I64(value)),
            // OpenTelemetry has no unsigned integers: keep every digit.
            Err(_) => self.push(field, Value::String(value.to_string().into())),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, Value::F64(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, Value::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
        } else {
            self.push(field, Value::String(value.to_owned().into()));
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.push(field, Value::String(value.to_string().into()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            // `info!("x = {x}")` records its message as `format_args!`,
            // whose Debug is the formatted text.
            self.message = Some(format!("{value:?}"));
        } else {
            self.push(field, Value::String(format!("{value:?}").into()));
        }
    }
}
