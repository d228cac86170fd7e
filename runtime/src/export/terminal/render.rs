//! Drawing one trace as text: [`render_trace`] and the [`RenderOptions`]
//! that shape it (width, colour, attributes shown). The layout itself is
//! described in the [terminal module documentation](super).

use std::borrow::Cow;
use std::io::{self, IsTerminal as _};
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{Event, Link, SpanId, SpanKind, Status, TraceId};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::semconv::{TRACING_LEVEL, TRACING_TARGET};
use crate::span_forest::{SpanForest, kind_name};

/// Below this width the waterfall and the attributes don't fit beside a
/// readable name, so only names, durations and statuses are drawn.
const NARROW_WIDTH: usize = 60;
/// The waterfall's width in cells: a quarter of the line, within these bounds.
const MIN_BAR_CELLS: usize = 12;
const MAX_BAR_CELLS: usize = 40;
/// Longest attribute value shown, in characters, before it is cut with `…`.
const MAX_VALUE_CHARS: usize = 40;
/// Columns kept free after the name column for `✗ <description>` when the
/// trace has an error, so a long name can't push the status off screen.
const STATUS_RESERVE: usize = 16;
/// Deeper spans stop indenting: past this depth the guides would fill the
/// line, and a pathological parent chain must not cost quadratic memory.
const MAX_GUIDE_DEPTH: usize = 32;
/// Spaces between columns.
const GAP: &str = "  ";

/// How [`render_trace`] draws a trace: line width, colour and detail.
///
/// ```
/// use tracewire::export::terminal::RenderOptions;
///
/// let options = RenderOptions { max_attributes: 3, ..RenderOptions::plain(120) };
/// assert!(!options.color);
/// assert_eq!(options.width, 120);
/// ```
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// The widest a line may be, in display columns (one per `char`). From 60
    /// columns up, lines carry the waterfall and attributes; below, only
    /// names, durations and statuses.
    pub width: usize,
    /// Whether to style the output with ANSI escape codes. When `false` the
    /// output contains none at all.
    pub color: bool,
    /// The most attributes shown per span and per event or link; the rest
    /// are summarised as `+N more`. Zero shows none.
    pub max_attributes: usize,
}

impl RenderOptions {
    const DEFAULT_WIDTH: usize = 100;
    const DEFAULT_MAX_ATTRIBUTES: usize = 6;

    /// Options for printing to this process's stderr.
    ///
    /// The width comes from the `COLUMNS` environment variable when it is set
    /// to a positive number, else 100. Colour is on only when stderr is a
    /// terminal and `NO_COLOR` is unset or empty (<https://no-color.org>).
    /// At most 6 attributes per span.
    ///
    /// ```
    /// use tracewire::export::terminal::RenderOptions;
    ///
    /// let options = RenderOptions::for_stderr();
    /// assert!(options.width > 0);
    /// ```
    #[must_use]
    pub fn for_stderr() -> Self {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|columns| columns.trim().parse::<usize>().ok())
            .filter(|&width| width > 0)
            .unwrap_or(Self::DEFAULT_WIDTH);
        let color = io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
        RenderOptions {
            width,
            color,
            max_attributes: Self::DEFAULT_MAX_ATTRIBUTES,
        }
    }

    /// Options without colour at the given width, showing at most 6
    /// attributes per span: for logs, files and tests.
    ///
    /// ```
    /// use tracewire::export::terminal::RenderOptions;
    ///
    /// let options = RenderOptions::plain(80);
    /// assert_eq!((options.width, options.color, options.max_attributes), (80, false, 6));
    /// ```
    #[must_use]
    pub fn plain(width: usize) -> Self {
        RenderOptions {
            width,
            color: false,
            max_attributes: Self::DEFAULT_MAX_ATTRIBUTES,
        }
    }
}

/// Renders one trace as text, one line per span, ending with a newline.
///
/// All `spans` should belong to one trace; their order doesn't matter. The
/// layout is described in the [module documentation](super).
///
/// ```
/// use std::time::{Duration, SystemTime};
///
/// use opentelemetry::KeyValue;
/// use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState};
/// use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
/// use tracewire::export::terminal::{RenderOptions, render_trace};
///
/// let trace_id = TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736);
/// let span = |id: u64, parent: u64, name: &'static str, start_us: u64, end_us: u64| SpanData {
///     span_context: SpanContext::new(trace_id, SpanId::from(id), TraceFlags::SAMPLED, false, TraceState::NONE),
///     parent_span_id: SpanId::from(parent),
///     parent_span_is_remote: false,
///     span_kind: if parent == 0 { SpanKind::Server } else { SpanKind::Internal },
///     name: name.into(),
///     start_time: SystemTime::UNIX_EPOCH + Duration::from_micros(start_us),
///     end_time: SystemTime::UNIX_EPOCH + Duration::from_micros(end_us),
///     attributes: vec![KeyValue::new("room_id", 7)],
///     dropped_attributes_count: 0,
///     events: SpanEvents::default(),
///     links: SpanLinks::default(),
///     status: Status::Unset,
///     instrumentation_scope: Default::default(),
/// };
/// let spans = [span(2, 1, "repo.load", 100, 942), span(1, 0, "room.join", 0, 1_200)];
///
/// let text = render_trace(&spans, &RenderOptions::plain(80));
/// assert_eq!(
///     text,
///     "trace 4bf92f35… · 2 spans · 1.20ms\n\
///      room.join [server]  1.20ms  ████████████████████  room_id=7\n\
///      └─ repo.load         842µs   ▐██████████████      room_id=7\n",
/// );
/// ```
#[must_use]
pub fn render_trace(spans: &[SpanData], options: &RenderOptions) -> String {
    render(spans, options, false)
}

/// The trace as text; `incomplete` marks one printed before its local root
/// ended (see [`TerminalExporter`](super::TerminalExporter)).
pub(super) fn render(spans: &[SpanData], options: &RenderOptions, incomplete: bool) -> String {
    let window = TimeWindow::of(spans);
    let rows = tree_rows(spans);
    let durations: Vec<String> = rows
        .iter()
        .map(|row| format_duration(span_duration(row.span)))
        .collect();
    let layout = Layout::new(
        options.width,
        rows.iter().map(|row| name_cell(row, true).width).max(),
        durations.iter().map(|d| d.chars().count()).max(),
        rows.iter().any(|row| is_error(row.span)),
    );

    let mut out = String::new();
    let finish = |mut line: Line, out: &mut String| {
        line.truncate(options.width);
        line.write_into(out, options.color);
    };
    finish(header_line(spans, &window, incomplete), &mut out);
    for (row, duration) in rows.iter().zip(&durations) {
        let line = span_line(row, duration, &layout, &window, options);
        finish(line, &mut out);
        for event in row.span.events.iter() {
            finish(event_line(row, event, options), &mut out);
        }
        for link in row.span.links.iter() {
            finish(link_line(row, link, options), &mut out);
        }
    }
    out
}

/// `trace 4bf92f35… · 4 spans · 120ms`.
fn header_line(spans: &[SpanData], window: &TimeWindow, incomplete: bool) -> Line {
    let mut line = Line::default();
    line.push("trace ", Style::Dim);
    let trace_id = spans
        .first()
        .map_or(TraceId::INVALID, |span| span.span_context.trace_id());
    line.push(&short_trace_id(trace_id), Style::Bold);
    let noun = if spans.len() == 1 { "span" } else { "spans" };
    line.push(&format!(" · {} {noun} · ", spans.len()), Style::Dim);
    line.push(&format_duration(window.total), Style::Cyan);
    if incomplete {
        line.push(" · ", Style::Dim);
        line.push("(incomplete)", Style::Yellow);
    }
    line
}

/// Name, duration, bar, status and attributes of one span.
fn span_line(
    row: &Row<'_>,
    duration: &str,
    layout: &Layout,
    window: &TimeWindow,
    options: &RenderOptions,
) -> Line {
    let span = row.span;
    let error = is_error(span);
    let mut line = name_cell(row, true);
    if line.width > layout.name_column {
        // The kind goes before any of the name does.
        line = name_cell(row, false);
        line.truncate(layout.name_column);
    }
    line.pad_to(layout.name_column);
    line.push(GAP, Style::Plain);
    line.pad_to(layout.name_column + GAP.len() + layout.duration_width - duration.chars().count());
    line.push(duration, Style::Cyan);
    if layout.bar_cells > 0 {
        line.push(GAP, Style::Plain);
        let bar_style = if error { Style::Red } else { Style::Plain };
        line.push(&window.bar(span, layout.bar_cells), bar_style);
    }
    if let Status::Error { description } = &span.status {
        line.push(GAP, Style::Plain);
        let description = if description.is_empty() {
            Cow::Borrowed("error")
        } else {
            clean(description)
        };
        line.push(&format!("✗ {description}"), Style::Red);
    }
    if layout.bar_cells > 0 {
        let attributes = attribute_list(
            &span.attributes,
            span.dropped_attributes_count,
            options.max_attributes,
        );
        if !attributes.is_empty() {
            line.push(GAP, Style::Plain);
            push_attributes(&mut line, &attributes, " ");
        }
    }
    line
}

/// `· name +offset {k=v}` under the span; `· LEVEL message +offset {k=v}`
/// for a `tracing` event, whose level and target are not repeated in the
/// braces.
fn event_line(row: &Row<'_>, event: &Event, options: &RenderOptions) -> Line {
    let mut line = detail_line(row, "· ");
    let level = tracing_level(event);
    if let Some(level) = level {
        let style = match level {
            "ERROR" => Style::BoldRed,
            "WARN" => Style::Yellow,
            _ => Style::Bold,
        };
        line.push(&clean(level), style);
        line.push(" ", Style::Plain);
    }
    let style = if event.name == "exception" || level == Some("ERROR") {
        Style::Red
    } else {
        Style::Plain
    };
    line.push(&clean(&event.name), style);
    let offset = format_offset(row.span.start_time, event.timestamp);
    line.push(&format!(" {offset}"), Style::Dim);
    let dropped = event.dropped_attributes_count;
    if level.is_some() {
        let fields: Vec<KeyValue> = event
            .attributes
            .iter()
            .filter(|kv| !matches!(kv.key.as_str(), TRACING_LEVEL | TRACING_TARGET))
            .cloned()
            .collect();
        push_braced_attributes(&mut line, &fields, dropped, options);
    } else {
        push_braced_attributes(&mut line, &event.attributes, dropped, options);
    }
    line
}

/// The level of an event made from a `tracing` event: one with a string
/// `level` and a string `target`.
fn tracing_level(event: &Event) -> Option<&str> {
    let text = |key: &str| {
        event.attributes.iter().find_map(|kv| match &kv.value {
            Value::String(text) if kv.key.as_str() == key => Some(text.as_str()),
            _ => None,
        })
    };
    text(TRACING_TARGET)?;
    text(TRACING_LEVEL)
}

/// `↪ linked to 0af76519…/b7ad6b71… {k=v}` under the span.
fn link_line(row: &Row<'_>, link: &Link, options: &RenderOptions) -> Line {
    let mut line = detail_line(row, "↪ linked to ");
    let target = format!(
        "{}/{}",
        short_trace_id(link.span_context.trace_id()),
        short_span_id(link.span_context.span_id())
    );
    line.push(&target, Style::Plain);
    let dropped = link.dropped_attributes_count;
    push_braced_attributes(&mut line, &link.attributes, dropped, options);
    line
}

/// The start of an event's or link's line: the span's detail guides, then
/// `marker`.
fn detail_line(row: &Row<'_>, marker: &str) -> Line {
    let mut line = Line::default();
    line.push(&row.detail_guides, Style::Dim);
    line.push(marker, Style::Dim);
    line
}

/// One span's place in the drawn tree.
struct Row<'a> {
    span: &'a SpanData,
    is_root: bool,
    /// Guides and connector before the name, e.g. `│  └─ `.
    guides: String,
    /// Guides before the span's event and link lines.
    detail_guides: String,
}

/// The spans in drawing order (depth first, siblings by start time) with
/// their guides. Every span appears exactly once, even in malformed input:
/// spans caught in a parent cycle are drawn as extra roots.
fn tree_rows(spans: &[SpanData]) -> Vec<Row<'_>> {
    let forest = SpanForest::new(spans);
    // What each ancestor below the root leaves in the guides of the lines
    // under it: a bar while siblings of it follow, else blank.
    let mut continuations: Vec<&'static str> = Vec::new();
    forest
        .depth_first()
        .map(|visit| {
            let is_root = visit.depth == 0;
            continuations.truncate(visit.depth.saturating_sub(1));
            let guides = if is_root {
                String::new()
            } else {
                let connector = if visit.last { "└─ " } else { "├─ " };
                let guides = format!("{}{connector}", ancestor_guides(&continuations));
                continuations.push(if visit.last { "   " } else { "│  " });
                guides
            };
            let detail = if forest.children(visit.index).is_empty() {
                "   "
            } else {
                "│  "
            };
            Row {
                span: &spans[visit.index],
                is_root,
                guides,
                detail_guides: format!("{}{detail}", ancestor_guides(&continuations)),
            }
        })
        .collect()
}

/// The guides the ancestors' continuations draw, which stop growing past
/// [`MAX_GUIDE_DEPTH`].
fn ancestor_guides(continuations: &[&str]) -> String {
    continuations
        .iter()
        .take(MAX_GUIDE_DEPTH - 1)
        .copied()
        .collect()
}

/// Column widths of the span lines.
struct Layout {
    name_column: usize,
    duration_width: usize,
    /// Zero when the line is too narrow for a waterfall (and attributes).
    bar_cells: usize,
}

impl Layout {
    /// Shares `width` out in order of importance: names (up to the longest),
    /// then the bar (at least [`MIN_BAR_CELLS`]), then the status of a failed
    /// span, then the attributes in whatever is left.
    fn new(
        width: usize,
        name_natural: Option<usize>,
        duration_width: Option<usize>,
        any_error: bool,
    ) -> Self {
        let (name_natural, duration_width) =
            (name_natural.unwrap_or(0), duration_width.unwrap_or(0));
        let narrow = width < NARROW_WIDTH;
        let gaps = if narrow { GAP.len() } else { 3 * GAP.len() };
        let space = width.saturating_sub(duration_width + gaps);
        let reserve = if any_error {
            // A narrow line has no bar to give way, so the status gets more.
            STATUS_RESERVE.min(if narrow { space / 3 } else { space / 4 })
        } else {
            0
        };
        if narrow {
            return Layout {
                name_column: name_natural.min(space.saturating_sub(reserve).max(8)),
                duration_width,
                bar_cells: 0,
            };
        }
        let name_column = name_natural.min(space.saturating_sub(MIN_BAR_CELLS + reserve).max(8));
        let bar_cells = (width / 4)
            .clamp(MIN_BAR_CELLS, MAX_BAR_CELLS)
            .min(space.saturating_sub(name_column + reserve))
            .max(MIN_BAR_CELLS);
        Layout {
            name_column,
            duration_width,
            bar_cells,
        }
    }
}

/// Guides, name and (if `with_kind`) kind: the first column of a span line.
fn name_cell(row: &Row<'_>, with_kind: bool) -> Line {
    let mut line = Line::default();
    line.push(&row.guides, Style::Dim);
    let style = match (row.is_root, is_error(row.span)) {
        (true, true) => Style::BoldRed,
        (true, false) => Style::Bold,
        (false, true) => Style::Red,
        (false, false) => Style::Plain,
    };
    line.push(&clean(&row.span.name), style);
    // Internal is the default kind: it goes without saying.
    if with_kind && row.span.span_kind != SpanKind::Internal {
        let kind = kind_name(&row.span.span_kind);
        line.push(&format!(" [{kind}]"), Style::Dim);
    }
    line
}

pub(super) fn is_error(span: &SpanData) -> bool {
    matches!(span.status, Status::Error { .. })
}

pub(super) fn span_duration(span: &SpanData) -> Duration {
    span.end_time
        .duration_since(span.start_time)
        .unwrap_or_default()
}

/// The trace's extent: the shared time axis of every bar.
struct TimeWindow {
    start: SystemTime,
    total: Duration,
}

impl TimeWindow {
    fn of(spans: &[SpanData]) -> Self {
        let start = spans.iter().map(|span| span.start_time).min();
        let end = spans
            .iter()
            .map(|span| span.end_time.max(span.start_time))
            .max();
        match (start, end) {
            (Some(start), Some(end)) => TimeWindow {
                start,
                total: end.duration_since(start).unwrap_or_default(),
            },
            _ => TimeWindow {
                start: SystemTime::UNIX_EPOCH,
                total: Duration::ZERO,
            },
        }
    }

    /// The span's bar, `cells` wide, drawn at half-cell resolution.
    fn bar(&self, span: &SpanData, cells: usize) -> String {
        let halves = cells * 2;
        if halves == 0 {
            return String::new();
        }
        let total = self.total.as_nanos() as f64;
        let position = |time: SystemTime| {
            if total == 0.0 {
                return 0.0;
            }
            let offset = time.duration_since(self.start).unwrap_or_default();
            offset.as_nanos() as f64 / total * halves as f64
        };
        let from = (position(span.start_time).floor() as usize).min(halves - 1);
        // Every span gets at least one half cell, however short.
        let to = (position(span.end_time).ceil() as usize).clamp(from + 1, halves);
        (0..cells)
            .map(|cell| {
                let left = (from..to).contains(&(2 * cell));
                let right = (from..to).contains(&(2 * cell + 1));
                match (left, right) {
                    (true, true) => '█',
                    (true, false) => '▌',
                    (false, true) => '▐',
                    (false, false) => ' ',
                }
            })
            .collect()
    }
}

/// Three significant digits in the largest unit that keeps the number below
/// 1000: `842µs`, `12.3ms`, `1.20s`; then `1m05s` and `2h03m`.
pub(super) fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    let nanos_f = nanos as f64;
    for (scale, unit) in [(1e3, "µs"), (1e6, "ms"), (1e9, "s")] {
        let value = nanos_f / scale;
        // 999.5 would print as "1000": use the next unit instead.
        let limit = if unit == "s" { 59.95 } else { 999.5 };
        if value < limit {
            return format!("{}{unit}", three_digits(value));
        }
    }
    let seconds = (nanos + 500_000_000) / 1_000_000_000;
    if seconds < 3_600 {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    } else {
        let minutes = (seconds + 30) / 60;
        format!("{}h{:02}m", minutes / 60, minutes % 60)
    }
}

fn three_digits(value: f64) -> String {
    if value < 9.995 {
        format!("{value:.2}")
    } else if value < 99.95 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

/// `+12.0ms` from the span's start to `time`; `-` if it is before the start.
fn format_offset(span_start: SystemTime, time: SystemTime) -> String {
    match time.duration_since(span_start) {
        Ok(after) => format!("+{}", format_duration(after)),
        Err(before) => format!("-{}", format_duration(before.duration())),
    }
}

fn short_trace_id(trace_id: TraceId) -> String {
    format!("{:.8}…", trace_id.to_string())
}

fn short_span_id(span_id: SpanId) -> String {
    format!("{:.8}…", span_id.to_string())
}

/// Attributes as drawn: up to `max` `(key, value)` pairs sorted by key, and
/// how many more there are (including those the SDK dropped).
struct AttributeList {
    shown: Vec<(String, String)>,
    more: usize,
}

impl AttributeList {
    fn is_empty(&self) -> bool {
        self.shown.is_empty() && self.more == 0
    }
}

fn attribute_list(attributes: &[KeyValue], dropped: u32, max: usize) -> AttributeList {
    if max == 0 {
        return AttributeList {
            shown: Vec::new(),
            more: 0,
        };
    }
    let mut sorted: Vec<&KeyValue> = attributes.iter().collect();
    sorted.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    let shown: Vec<(String, String)> = sorted
        .iter()
        .take(max)
        .map(|kv| (clean(kv.key.as_str()).into_owned(), format_value(&kv.value)))
        .collect();
    let more = attributes.len() - shown.len() + dropped as usize;
    AttributeList { shown, more }
}

/// `k=v k=v +N more`.
fn push_attributes(line: &mut Line, attributes: &AttributeList, separator: &str) {
    for (i, (key, value)) in attributes.shown.iter().enumerate() {
        if i > 0 {
            line.push(separator, Style::Dim);
        }
        line.push(&format!("{key}="), Style::Dim);
        line.push(value, Style::Plain);
    }
    if attributes.more > 0 {
        if !attributes.shown.is_empty() {
            line.push(" ", Style::Plain);
        }
        line.push(&format!("+{} more", attributes.more), Style::Dim);
    }
}

/// ` {k=v, k=v}` for an event's or link's attributes, or nothing when
/// there are none.
fn push_braced_attributes(
    line: &mut Line,
    attributes: &[KeyValue],
    dropped: u32,
    options: &RenderOptions,
) {
    let attributes = attribute_list(attributes, dropped, options.max_attributes);
    if attributes.is_empty() {
        return;
    }
    line.push(" {", Style::Dim);
    push_attributes(line, &attributes, ", ");
    line.push("}", Style::Dim);
}

/// Strings quoted and escaped, everything else as OpenTelemetry displays it;
/// long values cut with `…`.
fn format_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{:?}", shorten(s.as_str(), MAX_VALUE_CHARS)),
        other => clean(&shorten(&other.to_string(), MAX_VALUE_CHARS)).into_owned(),
    }
}

fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    if text.chars().count() <= max {
        Cow::Borrowed(text)
    } else {
        let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
        short.push('…');
        Cow::Owned(short)
    }
}

/// Escapes control characters, so a name or value can't break the line or
/// smuggle in escape sequences.
pub(super) fn clean(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        Cow::Owned(
            text.chars()
                .map(|c| {
                    if c.is_control() {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    Dim,
    Bold,
    Red,
    BoldRed,
    Cyan,
    Yellow,
}

impl Style {
    fn escape(self) -> Option<&'static str> {
        match self {
            Style::Plain => None,
            Style::Dim => Some("\x1b[2m"),
            Style::Bold => Some("\x1b[1m"),
            Style::Red => Some("\x1b[31m"),
            Style::BoldRed => Some("\x1b[1;31m"),
            Style::Cyan => Some("\x1b[36m"),
            Style::Yellow => Some("\x1b[33m"),
        }
    }
}

const RESET: &str = "\x1b[0m";

/// A line of styled text whose width is counted without the styling, so
/// truncation and padding work the same with and without colour.
#[derive(Default)]
pub(super) struct Line {
    segments: Vec<(String, Style)>,
    /// Display columns: one per `char`.
    width: usize,
}

impl Line {
    pub(super) fn push(&mut self, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        self.width += text.chars().count();
        match self.segments.last_mut() {
            Some((last, last_style)) if *last_style == style => last.push_str(text),
            _ => self.segments.push((text.to_owned(), style)),
        }
    }

    pub(super) fn pad_to(&mut self, width: usize) {
        if self.width < width {
            self.push(&" ".repeat(width - self.width), Style::Plain);
        }
    }

    /// Cuts the line to at most `max` columns, the last of them `…`.
    pub(super) fn truncate(&mut self, max: usize) {
        if self.width <= max {
            return;
        }
        let mut cut = Line::default();
        let mut budget = max.saturating_sub(1);
        let mut cut_style = Style::Plain;
        for (text, style) in &self.segments {
            let len = text.chars().count();
            if len <= budget {
                cut.push(text, *style);
                budget -= len;
            } else {
                let head: String = text.chars().take(budget).collect();
                cut.push(&head, *style);
                cut_style = *style;
                break;
            }
        }
        if max > 0 {
            cut.push("…", cut_style);
        }
        *self = cut;
    }

    /// Appends the line and a newline, without trailing spaces.
    pub(super) fn write_into(mut self, out: &mut String, color: bool) {
        while let Some((text, _)) = self.segments.last_mut() {
            let kept = text.trim_end_matches(' ').len();
            if kept == 0 {
                self.segments.pop();
            } else {
                text.truncate(kept);
                break;
            }
        }
        for (text, style) in &self.segments {
            match style.escape() {
                Some(escape) if color => {
                    out.push_str(escape);
                    out.push_str(text);
                    out.push_str(RESET);
                }
                _ => out.push_str(text),
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::super::test_trace::{KNOWN_AT_100, TRACE, drawn_names, known_trace};
    use crate::span_forest::fixtures::span;

    fn widths(text: &str) -> Vec<usize> {
        text.lines().map(|line| line.chars().count()).collect()
    }

    #[test]
    fn tracing_events_show_their_level_and_fields_under_their_span() {
        use crate::span_forest::fixtures::at;
        let mut root = span(TRACE, 1, 0, "checkout", SpanKind::Internal, (0, 10));
        let mut charge = span(TRACE, 2, 1, "charge", SpanKind::Internal, (2, 8));
        let tracing_event = |name: &'static str, level: &'static str, ms, fields: Vec<KeyValue>| {
            let mut attributes = vec![
                KeyValue::new(TRACING_LEVEL, level),
                KeyValue::new(TRACING_TARGET, "shop::checkout"),
            ];
            attributes.extend(fields);
            Event::new(name, at(ms), attributes, 0)
        };
        root.events.events.push(tracing_event(
            "cart loaded",
            "INFO",
            1,
            vec![KeyValue::new("items", 3)],
        ));
        charge
            .events
            .events
            .push(tracing_event("card declined", "WARN", 5, Vec::new()));
        // An OpenTelemetry event with a `level` but no `target` is shown as
        // it is.
        charge.events.events.push(Event::new(
            "retry",
            at(6),
            vec![KeyValue::new(TRACING_LEVEL, "high")],
            0,
        ));
        let text = render_trace(&[root, charge], &RenderOptions::plain(80));
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert!(lines[0].starts_with("checkout "), "\n{text}");
        assert_eq!(
            lines[1], "│  · INFO cart loaded +1.00ms {items=3}",
            "\n{text}"
        );
        assert!(lines[2].starts_with("└─ charge "), "\n{text}");
        assert_eq!(lines[3], "      · WARN card declined +3.00ms", "\n{text}");
        assert_eq!(
            lines[4], "      · retry +4.00ms {level=\"high\"}",
            "\n{text}"
        );
    }

    #[test]
    fn renders_the_known_trace_at_width_100() {
        let text = render_trace(&known_trace(), &RenderOptions::plain(100));
        assert_eq!(text, KNOWN_AT_100, "\n{text}");
    }

    #[test]
    fn narrow_output_drops_the_waterfall_and_fits() {
        let text = render_trace(&known_trace(), &RenderOptions::plain(50));
        assert!(widths(&text).iter().all(|&w| w <= 50), "\n{text}");
        assert!(!text.contains('█') && !text.contains('▌'), "\n{text}");
        // Names, durations and the status survive.
        assert!(text.contains("├─ repo.insert"), "\n{text}");
        assert!(text.contains("30.0ms"), "\n{text}");
        assert!(text.contains("✗ socket"), "\n{text}");
        assert!(!text.contains("db.operation"), "\n{text}");
    }

    #[test]
    fn wide_output_shows_everything_and_fits() {
        let text = render_trace(&known_trace(), &RenderOptions::plain(200));
        assert!(widths(&text).iter().all(|&w| w <= 200), "\n{text}");
        assert!(
            text.contains(
                "body=\"[REDACTED]\" channel.topic=\"room:lobby\" message.length=5 user_id=42"
            ),
            "\n{text}"
        );
        assert!(
            text.contains("✗ socket closed  error.type=\"SocketClosed\" user_id=7"),
            "\n{text}"
        );
    }

    #[test]
    fn every_width_fits() {
        for width in 1..=220 {
            let text = render_trace(&known_trace(), &RenderOptions::plain(width));
            assert!(
                widths(&text).iter().all(|&w| w <= width),
                "width {width}:\n{text}"
            );
        }
    }

    #[test]
    fn plain_output_has_no_escape_codes() {
        let mut spans = known_trace();
        spans[0].name = "evil\x1b[2Jname\nnext".into();
        spans[1].attributes.push(KeyValue::new("k", "\x1b[31mred"));
        for width in [40, 100, 200] {
            let text = render_trace(&spans, &RenderOptions::plain(width));
            assert!(!text.contains('\x1b'), "\n{text}");
            assert_eq!(text.lines().count(), 8, "\n{text}");
        }
    }

    #[test]
    fn colour_output_styles_errors_in_red() {
        let options = RenderOptions {
            color: true,
            ..RenderOptions::plain(100)
        };
        let text = render_trace(&known_trace(), &options);
        assert!(text.contains("\x1b["));
        assert!(
            text.contains("\x1b[31mroom.handle_out message:new\x1b[0m"),
            "{text:?}"
        );
        assert!(text.contains("\x1b[31m✗ socket closed\x1b[0m"), "{text:?}");
        assert!(
            text.contains("\x1b[1mroom.handle_in message:new\x1b[0m"),
            "{text:?}"
        );
        assert!(text.contains("\x1b[36m120ms\x1b[0m"), "{text:?}");
        // Colour changes nothing but the escape codes.
        assert_eq!(strip_escapes(&text), KNOWN_AT_100);
    }

    fn strip_escapes(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn orphans_are_extra_roots_and_cycles_are_not_lost() {
        let spans = vec![
            span(TRACE, 1, 0, "root", SpanKind::Internal, (0, 10)),
            span(TRACE, 2, 99, "orphan", SpanKind::Internal, (2, 4)),
            span(TRACE, 3, 4, "cycle.a", SpanKind::Internal, (5, 6)),
            span(TRACE, 4, 3, "cycle.b", SpanKind::Internal, (6, 7)),
        ];
        let text = render_trace(&spans, &RenderOptions::plain(80));
        assert_eq!(
            drawn_names(&text),
            ["root", "orphan", "cycle.a", "└─ cycle.b"],
            "\n{text}"
        );
    }

    #[test]
    fn formats_durations_with_three_digits() {
        let cases = [
            (Duration::ZERO, "0ns"),
            (Duration::from_nanos(999), "999ns"),
            (Duration::from_nanos(1_500), "1.50µs"),
            (Duration::from_micros(842), "842µs"),
            (Duration::from_nanos(999_700), "1.00ms"),
            (Duration::from_micros(12_340), "12.3ms"),
            (Duration::from_millis(120), "120ms"),
            (Duration::from_millis(1_200), "1.20s"),
            (Duration::from_secs(65), "1m05s"),
            (Duration::from_secs(2 * 3600 + 3 * 60), "2h03m"),
        ];
        for (duration, expected) in cases {
            assert_eq!(format_duration(duration), expected, "{duration:?}");
        }
    }

    #[test]
    fn long_values_are_cut_and_extra_attributes_counted() {
        let mut root = span(TRACE, 1, 0, "root", SpanKind::Internal, (0, 10));
        root.attributes = (0..9)
            .map(|i| KeyValue::new(format!("k{i}"), "x".repeat(60)))
            .collect();
        let options = RenderOptions {
            max_attributes: 2,
            ..RenderOptions::plain(400)
        };
        let text = render_trace(&[root], &options);
        let value = format!("\"{}…\"", "x".repeat(MAX_VALUE_CHARS - 1));
        assert!(
            text.contains(&format!("k0={value} k1={value} +7 more")),
            "\n{text}"
        );
    }
}
