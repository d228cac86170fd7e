//! # tracewire
//!
//! OpenTelemetry tracing for actors and real-time channels, generated at
//! compile time.
//!
//! Put [`#[traced_actor]`](traced_actor) on an actor's impl block,
//! [`#[traced_channel]`](traced_channel) on a channel handler's impl block, or
//! [`#[traced]`](traced) on a single function, and every handler becomes an
//! OpenTelemetry span:
//!
//! - a span name fixed at compile time (`user_cache.get_user`), never allocated;
//! - attributes from the arguments whose types are plain values, plus declared
//!   `fields(..)`, all computed only when the span is recording;
//! - `Err` results, panics and cancellation mapped to status and an
//!   `exception` event;
//! - the span current across every poll, so nested handlers and plain
//!   OpenTelemetry spans become its children.
//!
//! ```
//! use tracewire::prelude::*;
//!
//! struct UserCache {
//!     users: std::collections::HashMap<u64, String>,
//! }
//!
//! #[derive(Debug)]
//! struct NotFound;
//! impl std::fmt::Display for NotFound {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
//!         f.write_str("user not found")
//!     }
//! }
//!
//! #[traced_actor]
//! impl UserCache {
//!     // Span "user_cache.get_user" with attributes user_id and cache_size.
//!     #[span(fields(cache_size = self.users.len()))]
//!     async fn get_user(&mut self, user_id: u64) -> Result<String, NotFound> {
//!         self.users.get(&user_id).cloned().ok_or(NotFound)
//!     }
//! }
//! ```
//!
//! The macros emit paths into `__private`; only this crate needs to be a
//! dependency.
//!
//! # Where things are
//!
//! | to | reach for |
//! | --- | --- |
//! | set telemetry up from the `OTEL_*` variables | [`init`], or [`Telemetry::builder`] for settings in code; [`export`] lists the variables |
//! | trace handlers | [`#[traced]`](traced), [`#[traced_actor]`](traced_actor), [`#[traced_channel]`](traced_channel), with [`#[span]`](span) and [`#[event]`](event) inside; `use tracewire::prelude::*;` |
//! | keep a span across `tokio::spawn`, a future or a channel | [`spawn`] and its siblings, [`FutureExt`], [`Traced`] |
//! | carry trace context over HTTP headers or JSON | [`carrier`] |
//! | sample one handler at its own rate | [`sampling`] |
//! | know the attribute and metric names written | [`semconv`] |
//! | use OpenTelemetry types in the version tracewire uses | [`opentelemetry`] |
//! | check captured traces in tests | `tracewire::testing` (feature `testing`) |
//!
//! # Features
//!
//! Each subsystem is a cargo feature, so a crate compiles only what it uses.
//! With `default-features = false` you get the macros, the span runtime,
//! context propagation, the W3C carriers and sampling, and `init()` (which
//! then needs `terminal` or `otlp` to have somewhere to send spans).
//!
//! | feature | default | what it adds | dependencies it brings |
//! | --- | :---: | --- | --- |
//! | `actor` | yes | `actor`: the GenServer-style actor runtime, supervisors, the task supervisor | none beyond tokio's `macros` |
//! | `terminal` | yes | the terminal trace tree `init()` prints when no OTLP endpoint is set | none |
//! | `otlp` | yes | OTLP export over gRPC and http/protobuf from `init()`, with TLS, headers and gzip | opentelemetry-proto, tonic, hyper, rustls (ring), webpki-roots, flate2 |
//! | `channel` | no | `channel`: the Phoenix Channels server, and the `Channel` impl `#[traced_channel]` generates | axum (`ws`), serde |
//! | `axum` | no | `axum::TraceParent`: an axum extractor for `#[traced(parent = ..)]` with the request's method and path (an `http::HeaderMap` argument needs no feature) | axum-core |
//! | `testing` | no | `testing`: in-memory span capture and trace-tree assertions | the SDK's `testing` feature |
//! | `tracing` | no | `tracing`: `tracing` spans and events in the traces (a `tracing_subscriber` layer `init()` installs), their events as OTLP log records, context through kameo and ractor mailboxes | tracing, tracing-subscriber (registry), tracing-opentelemetry, opentelemetry-appender-tracing |
//! | `full` | no | every subsystem above: `actor`, `terminal`, `otlp`, `channel`, `axum`, `testing`, `tracing` (not the integrations below) | |
//! | `kameo` | no | `#[traced_actor]` on kameo 0.22 impls, `kameo`: the caller's span through the mailbox | kameo (with its `tracing` feature) |
//! | `ractor` | no | `#[traced_actor]` on `impl ractor::Actor` (0.16), `ractor`: the caller's span through the mailbox | ractor (its default features) |
//! | `redis` | no | `channel::cluster::RedisAdapter`: channel servers on several nodes through Redis PUBLISH/SUBSCRIBE | redis (`tokio-comp`) |
//!
//! Using an item of a feature that is off is a compile error naming the
//! feature: `#[traced_channel]` on an impl that gets a generated `Channel`
//! says to enable `channel`, and the compiler notes which feature gates a
//! `tracewire::actor` or `tracewire::channel` path.
//!
//! # Nothing secret recorded by default
//!
//! A handler's arguments are recorded under their names when their types
//! are plain values ([`AttributeValue`]), with three exceptions, so that a
//! secret never reaches a span by accident:
//!
//! - **Names that look like secrets** are recorded as the mask
//!   [`[REDACTED]`](semconv::REDACTED), as `redact(..)` would. A name
//!   matches when one of its `_`-separated words, in any case, is
//!   `password`, `passwords`, `passwd`, `secret`, `secrets`, `token`,
//!   `apikey`, `auth`, `authorization`, `cookie`, `cookies`, `session`,
//!   `credential` or `credentials`, or two neighbouring words are `api_key`
//!   or `private_key`. So `password`, `user_password`, `auth_token`,
//!   `session_id` and `stripe_api_key` are masked; `author`, `max_tokens`,
//!   `public_key` and `authenticated` are not (whole words, not
//!   substrings).
//! - **A channel's connect arguments and join params** (every argument of
//!   `connect`; every argument of `join` but the topic and the socket) are
//!   left out: that is where clients send their tokens.
//! - **Long strings** recorded this way are cut to
//!   [`MAX_RECORDED_STRING`](semconv::MAX_RECORDED_STRING) (256) bytes,
//!   ending with `…`.
//!
//! `record(arg)` in `#[span(..)]` or `#[traced(..)]` records such an
//! argument as it is; naming an argument that is recorded anyway is a
//! compile error, as is naming one that is also skipped or redacted.
//! `fields(..)` and `#[message(attr)]` are recorded as written: they name
//! what they record.
//!
//! ```
//! use tracewire::prelude::*;
//!
//! // Span "login": user = "ann", password = "[REDACTED]".
//! #[traced]
//! fn login(user: &str, password: &str) -> bool {
//!     user == "ann" && password == "hunter2"
//! }
//!
//! // Span "rotate": old_token is recorded as it is, on purpose.
//! #[traced(record(old_token))]
//! fn rotate(old_token: &str) {}
//! # login("ann", "hunter2");
//! # rotate("expired-1");
//! ```
//!
#![doc = include_str!("../docs/guides/propagation.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets the crate's own tests and doc examples use `::tracewire::..` paths,
// exactly as generated code does.
extern crate self as tracewire;

// First: every module below gates its items with these `cfg_*!` blocks.
#[macro_use]
mod macros;

// What a program reaches for first, at the root: setting up telemetry, the
// macros, the types traced code names, and context across tasks.
pub use export::builder::{Telemetry, TelemetryBuilder, init};
pub use export::error::{InitError, TelemetryError};
pub use export::guard::TelemetryGuard;
pub use message::Message;
pub use outcome::{Outcome, SpanOutcome};
pub use propagate::{
    CarriesContext, FutureExt, SpanFuture, Traced, in_current_context, spawn, spawn_blocking,
    spawn_blocking_child, spawn_blocking_linked, spawn_child, spawn_linked,
};
pub use value::AttributeValue;

/// The `opentelemetry` crate tracewire is built on, so that code reading
/// or adding to tracewire's spans uses the very version tracewire does,
/// without a dependency of its own to keep in step:
/// `tracewire::opentelemetry::Context::current()`,
/// `tracewire::opentelemetry::trace::TraceContextExt`.
///
/// ```
/// use tracewire::opentelemetry::trace::TraceContextExt as _;
/// use tracewire::prelude::*;
///
/// #[traced]
/// fn handler() -> bool {
///     // The handler's span is the current one.
///     let cx = tracewire::opentelemetry::Context::current();
///     cx.span().span_context().is_valid()
/// }
/// # let _ = handler();
/// ```
pub use opentelemetry;

// Each macro's reference is a page of runtime/docs/macros/, its examples
// doc tests of this crate (the macro crate cannot run code that uses it).
#[doc = include_str!("../docs/macros/message.md")]
pub use tracewire_macros::Message;
#[doc = include_str!("../docs/macros/event.md")]
pub use tracewire_macros::event;
#[doc = include_str!("../docs/macros/handle_out.md")]
pub use tracewire_macros::handle_out;
#[doc = include_str!("../docs/macros/span.md")]
pub use tracewire_macros::span;
#[doc = include_str!("../docs/macros/traced.md")]
pub use tracewire_macros::traced;
#[doc = include_str!("../docs/macros/traced_actor.md")]
pub use tracewire_macros::traced_actor;
#[doc = include_str!("../docs/macros/traced_channel.md")]
pub use tracewire_macros::traced_channel;
#[doc = include_str!("../docs/macros/untraced.md")]
pub use tracewire_macros::untraced;

/// The items most programs need: `use tracewire::prelude::*;`.
///
/// A glob import of names that each have their one path at the crate root.
pub mod prelude {
    pub use crate::{
        AttributeValue, Message, Outcome, SpanOutcome, Traced, event, handle_out, span, traced,
        traced_actor, traced_channel, untraced,
    };
}

// The core: what generated code calls, and what every subsystem builds on.
pub mod carrier;
pub mod export;
mod inbound;
mod message;
mod metrics;
mod outcome;
mod panic;
mod propagate;
pub mod sampling;
pub mod semconv;
// The spans around kameo and ractor sends in traced code.
mod send_site;
mod span;
feature! {
    #![any(feature = "terminal", feature = "testing")]
    mod span_forest;
}
mod static_name;
mod value;
cfg_tracing! {
    // Core too, though a feature: generated send sites call its handoff
    // span, and `init()` and `TestTracing` install its layer.
    pub mod tracing;
}

// The subsystems. Each depends on the core alone, never on a sibling.
cfg_actor! {
    pub mod actor;
}
cfg_axum! {
    pub mod axum;
}
cfg_channel! {
    pub mod channel;
}
cfg_kameo! {
    pub mod kameo;
}
cfg_ractor! {
    pub mod ractor;
}
cfg_testing! {
    pub mod testing;
}

/// What generated code calls. Not a public API: it may change in any release.
#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;

#[cfg(feature = "channel")]
#[doc(hidden)]
#[macro_export]
macro_rules! __tw_channel_impl {
    ($($item:tt)*) => { $($item)* };
}

#[cfg(not(feature = "channel"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __tw_channel_impl {
    ($($item:tt)*) => {
        ::core::compile_error!(
            "this `#[traced_channel]` impl becomes a `tracewire::channel::Channel`, which needs tracewire's `channel` feature: `tracewire = { version = \"0.1\", features = [\"channel\"] }`"
        );
    };
}
