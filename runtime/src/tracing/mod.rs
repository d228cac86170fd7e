//! The `tracing` bridge: `tracing` spans and events in tracewire's traces.
//!
//! [`layer`] is a `tracing_subscriber` layer: tracing-opentelemetry on
//! tracewire's tracer provider, with OpenTelemetry context activation, plus
//! tracewire's own part, which makes every `tracing` event an event of the
//! current span (a traced handler's, or an inner `tracing` span's).
//!
//! ```
//! use tracewire::prelude::*;
//! use tracing_subscriber::layer::SubscriberExt as _;
//!
//! // Span "checkout", with a child span "charge" holding the event "charged".
//! #[traced]
//! fn checkout(cart: u64) {
//!     let _charge = tracing::info_span!("charge").entered();
//!     tracing::info!(amount = 42, "charged");
//! }
//!
//! let subscriber = tracing_subscriber::registry().with(tracewire::tracing::layer());
//! tracing::subscriber::with_default(subscriber, || checkout(7));
//! ```
//!
//! # Installing it
//!
//! - [`init`](crate::init) makes a registry with [`layer`] the global
//!   default subscriber, keeping the levels `RUST_LOG` names (`target=level`
//!   form; INFO when unset), unless one was set before
//!   ([`GlobalSubscriber::AlreadySet`]) or
//!   [`TelemetryBuilder::tracing_subscriber(false)`](crate::TelemetryBuilder::tracing_subscriber)
//!   says not to.
//! - A stack of your own gets [`layer`] added, as above; the order of
//!   `init()` and building the layer does not matter, since the layer asks
//!   for tracewire's tracer provider at every span.
//! - `tracewire::testing::TestTracing::install()`
//!   installs it too (once per process, every level), so tests capture
//!   `tracing` spans and events.
//!
//! With logs exported over OTLP (an endpoint for logs configured), `init()`
//! also sends every `tracing` event as an OpenTelemetry log record carrying
//! the trace and span ids of the span it happened in;
//! [`set_logger_provider`] does the same for a provider of your own.
//!
//! # Context through mailboxes
//!
//! kameo and ractor send the sender's `tracing::Span::current()` with each
//! message. Inside traced code, tracewire wraps each send in a *carrier
//! span*, a `tracing` span that holds the sender's OpenTelemetry context,
//! is never exported, and makes that context current while it is entered.
//! ractor runs the handler inside the span it was sent with; kameo runs it
//! in a span of its own (`actor.handle_message`) that follows from it,
//! which this layer runs in the context of the span it follows from and
//! does not export. Either way the handler's span is the sender's child.
//! Without this layer in the subscriber, handlers start new traces.

pub(crate) mod carrier;
mod event;
mod global;
mod layer;
mod logs;
mod tracer;

pub use global::GlobalSubscriber;
pub use layer::layer;
pub use logs::{clear_logger_provider, set_logger_provider};

// The crate's way to install the global `tracing` subscriber, for `init()`
// and `TestTracing`: `global`'s internals stay in `global`.
pub(crate) use global::{install as install_subscriber, levels as subscriber_levels};
