//! The terminal exporter: each finished trace printed to stderr as a tree
//! (and, with `OTEL_METRICS_EXPORTER=console`, metrics as lines of text).
//!
//! With no OTLP endpoint configured, tracewire prints every trace it finishes
//! as a picture that reads at a glance. This module owns that picture
//! ([`render_trace`], shaped by [`RenderOptions`]) and the exporter that
//! groups spans into traces and prints them ([`TerminalExporter`]).
//!
//! ```text
//! trace 4bf92f35… · 4 spans · 120ms
//! room.handle_in message:new [server]            120ms  █████████████████████████  body="[REDACTED]" …
//! ├─ repo.insert                                30.0ms   ██████▌                   db.operation="INSE…
//! └─ room.broadcast [producer]                  20.0ms          ████▌              subscribers=3
//!    │  · pubsub.publish +1.00ms {topic="room:lobby"}
//!    └─ room.handle_out message:new [consumer]  13.0ms           ███               ✗ socket closed  e…
//!          · exception +12.0ms {exception.message="socket closed"}
//!          ↪ linked to 0af76519…/b7ad6b71…
//! ```
//!
//! Reading a trace:
//!
//! - The header gives the first 8 hex digits of the trace id, the number of
//!   spans and the trace's duration (latest end minus earliest start).
//! - One line per span, indented under its parent, siblings in start order.
//!   A span whose parent is not in the trace is drawn as another root. The
//!   kind is shown in brackets unless it is `internal`.
//! - The duration column, then the waterfall: every bar is drawn on the same
//!   time axis (the whole trace), so gaps and overlaps between spans show up
//!   as gaps and overlaps between bars. A span too short to fill a cell still
//!   gets half a cell.
//! - Then `✗ <description>` for a span with status Error, then up to
//!   [`RenderOptions::max_attributes`] attributes sorted by key (strings
//!   quoted, long values cut with `…`, `+N more` for the rest).
//! - Under a span, its events (`· name +offset-from-span-start {attributes}`)
//!   and links (`↪ linked to <trace…>/<span…>`).
//!
//! Lines never exceed [`RenderOptions::width`] columns: attributes are cut
//! first, then names. Below 60 columns the waterfall and the attributes are
//! left out; names, durations and statuses remain. Control characters in
//! names and values are escaped, so span data can't move the cursor or inject
//! colour codes.
//!
//! # When a trace is printed
//!
//! [`TerminalExporter`] buffers spans per trace id. A trace is printed when a
//! *local root* ends: a span without a parent, or whose parent is remote
//! (context extracted from a carrier, i.e. the parent lives in another
//! process). The print holds the root and every span of that trace buffered
//! so far. Spans that end after their local root (a detached background task,
//! a spawned job that outlives its request) are buffered again and printed
//! with the next local root of the same trace, or when the buffer evicts
//! them, or at shutdown.
//!
//! # Bounded memory
//!
//! At most 10 000 spans and 1 000 unfinished traces are buffered. Beyond
//! either limit the oldest pending trace (by arrival of its first buffered
//! span) is printed at once, marked `(incomplete)`, and dropped from the
//! buffer. Shutdown prints every pending trace the same way.

mod exporter;
mod metrics;
mod render;
#[cfg(test)]
mod test_trace;

pub use exporter::TerminalExporter;
pub(crate) use metrics::TerminalMetricExporter;
pub use render::{RenderOptions, render_trace};
