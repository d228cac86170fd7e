#![deny(warnings, clippy::all)]
//! The integrations with what Rust users already run (`tracing`, kameo,
//! ractor, axum), in one binary, one module each, with the traces of their
//! examples (`example_*`, each of which includes its example).
//!
//! Every test here that records spans captures them with `TestTracing`,
//! which serialises them within this process and, with tracewire's
//! `tracing` feature, installs its `tracing` layer as the global default
//! subscriber.

mod axum_http;
mod example_axum_http;
mod example_kameo;
mod example_ractor;
mod example_tracing_bridge;
mod kameo;
mod ractor;
mod tracing_bridge;

use opentelemetry::Value;
use opentelemetry::trace::SpanKind;
use tracewire::testing::SpanView;

/// Asserts that no message crossed to another caller: each handler span
/// records its caller's `caller.id`, is the child of its send span (named
/// `reply_send` and SERVER for an even id, a request awaiting a reply;
/// `oneway_send` and CONSUMER for an odd one), and that send span is the
/// child of the traced `ping` caller with the same `caller.id`, in the
/// same trace.
pub(crate) fn assert_each_handler_under_its_own_caller(
    handlers: Vec<SpanView<'_>>,
    reply_send: &str,
    oneway_send: &str,
) {
    for handler in handlers {
        let id = handler
            .attr("caller.id")
            .cloned()
            .expect("the handler records its caller");
        let send = handler.parent().expect("the handler's parent is captured");
        let (op, kind) = match id {
            Value::I64(n) if n % 2 == 0 => (reply_send, SpanKind::Server),
            _ => (oneway_send, SpanKind::Consumer),
        };
        assert_eq!(send.name(), op);
        assert_eq!(handler.kind(), &kind);
        let caller = send.parent().expect("the send's parent is captured");
        assert_eq!(caller.name(), "ping");
        assert_eq!(
            caller.attr("caller.id"),
            Some(&id),
            "handler crossed to another caller"
        );
        assert_eq!(
            caller.data().span_context.trace_id(),
            handler.data().span_context.trace_id()
        );
    }
}
