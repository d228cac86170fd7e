//! Span capture and trace-tree assertions for tests (feature `testing`).
//!
//! This module owns:
//!
//! - [`TestTracing`]: installs an in-memory OpenTelemetry pipeline for the
//!   duration of a test and serialises every test in the process that uses
//!   it, because the tracer provider it installs is process-global.
//! - [`TraceTree`] and [`SpanView`]: a snapshot of the finished spans,
//!   arranged as a forest of traces, with assertions whose failure messages
//!   show the whole captured tree, so a failing test explains itself.
//! - [`trace_id_under_rate`]: which trace ids a handler's `sample = ..`
//!   rate keeps, to check that a test captured exactly those.
//!
//! ```
//! use opentelemetry::KeyValue;
//! use opentelemetry::trace::{Span as _, Status, TraceContextExt as _, Tracer as _};
//! use tracewire::testing::TestTracing;
//!
//! let tracing = TestTracing::install();
//! let tracer = opentelemetry::global::tracer("example");
//! tracer.in_span("request", |cx| {
//!     cx.span().set_attribute(KeyValue::new("user_id", 42));
//!     tracer.in_span("db.query", |cx| {
//!         cx.span().add_event("retry", vec![KeyValue::new("attempt", 2)]);
//!         cx.span().set_status(Status::error("timeout"));
//!     });
//! });
//!
//! let tree = tracing.tree();
//! tree.assert_shape(
//!     "
//!     request
//!       db.query
//!     ",
//! );
//! tree.span("request").assert_root().assert_attr("user_id", 42);
//! tree.span("db.query")
//!     .assert_parent("request")
//!     .assert_status_error("timeout")
//!     .assert_event_attr("retry", "attempt", 2);
//!
//! // Every failed assertion prints this rendering of the whole capture.
//! assert_eq!(
//!     tree.to_string(),
//!     "\
//! request [internal] user_id=42
//!   db.query [internal] ERROR: timeout
//!       • retry {attempt=2}
//! "
//! );
//! ```

mod capture;
mod sampling;
mod tree;

pub use capture::TestTracing;
pub use sampling::trace_id_under_rate;
pub use tree::{SpanView, TraceTree};
