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
//! [`TerminalExporter`] buffers spans per trace id. A trace is printed a
//! *grace period* (500 ms unless set) after a *local root* ends: a span
//! without a parent, or whose parent is remote (context extracted from a
//! carrier, i.e. the parent lives in another process). The print holds every
//! span of that trace that ended by then, so the spans of work the root
//! spawned and did not wait for (a detached task, a job that outlives its
//! request) are drawn inside its tree when they end within the grace period.
//! Spans that end later still are buffered again and printed with the next
//! local root of the same trace, or when the buffer evicts them, or at
//! shutdown (marked `(incomplete)`).
//!
//! # Under load: summaries
//!
//! A terminal can't show hundreds of trees a second, and rendering them
//! would fall behind and drop spans. When more than 20 traces finish within
//! one second, the exporter says so in one line and switches to a summary
//! every 5 seconds: per span name, its count, p50 and p99 duration and
//! errors, and how many traces (and spans) it left out.
//!
//! ```text
//! ── summary of 5.00s · 61234 traces (12247/s) · 3 with errors · 61226 left out (63460 spans) ──
//! span                          count      p50      p99  errors
//! room.handle_out message:new   60000   21.0µs    104µs       0
//! room.handle_in message:new     1200    152µs   1.21ms       3
//! channel.broadcast              1200   88.0µs    730µs       0
//! ```
//!
//! Meanwhile every trace with an error is still printed in full, and so is
//! a sample of the rest: the first trace of each root span name in each
//! period, at most 5 a period. Every trace is either printed or counted as
//! left out; spans the export queue had no room for are counted apart, as
//! dropped ([`TelemetryGuard::dropped_spans`](crate::TelemetryGuard::dropped_spans)),
//! and never reach the exporter. A period with at most 20 traces a second
//! ends summary mode: every trace is printed again.
//!
//! The rate, the period and the grace period are set with
//! [`TerminalExporter::max_traces_per_second`],
//! [`summary_period`](TerminalExporter::summary_period) and
//! [`grace_period`](TerminalExporter::grace_period), or for the exporter
//! [`init`](crate::init) installs, with `TRACEWIRE_TERMINAL_RATE`,
//! `TRACEWIRE_TERMINAL_SUMMARY_PERIOD` and `TRACEWIRE_TERMINAL_GRACE_PERIOD`
//! (milliseconds).
//!
//! # Bounded memory
//!
//! At most 10 000 spans and 1 000 traces are buffered. Beyond either limit
//! the oldest trace (by arrival of its first buffered span) is printed at
//! once, marked `(incomplete)` unless its root has ended, and dropped from
//! the buffer. A summary keeps at most 4 096 durations per span name.

mod buffer;
mod exporter;
mod metrics;
mod render;
mod summary;
#[cfg(test)]
mod test_trace;

pub use exporter::TerminalExporter;
pub(crate) use metrics::TerminalMetricExporter;
pub use render::{RenderOptions, render_trace};
