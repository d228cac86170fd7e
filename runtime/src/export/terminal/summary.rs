//! [`Pacer`]: decides which ready traces are printed in full, and above a
//! rate, switches to a periodic summary.
//!
//! Below the rate every trace is printed. Above it (more than
//! `max_per_second` traces within one second), the exporter says so once,
//! then every summary period prints a table (per span name: count, p50,
//! p99, errors) and how many traces it left out. Meanwhile every trace that
//! has an error is still printed in full, and so is a sample of the rest:
//! the first trace of each root span name in each period, at most
//! [`MAX_SAMPLES`] a period. A period that stays at or under the rate ends
//! summary mode, and every trace is printed again.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use opentelemetry_sdk::trace::SpanData;

use super::buffer::root_of;
use super::render::{Line, RenderOptions, Style, clean, format_duration, is_error, span_duration};

/// Traces printed in full each second before summaries take over.
pub(super) const DEFAULT_MAX_PER_SECOND: u32 = 20;
/// How often a summary is printed while the rate is exceeded.
pub(super) const DEFAULT_SUMMARY_PERIOD: Duration = Duration::from_secs(5);
/// Most traces without an error printed per summary period, as a sample.
pub(super) const MAX_SAMPLES: usize = 5;
/// Most span names in one summary table; the rest are counted in one line.
const MAX_ROWS: usize = 12;
/// Durations kept per span name and period: beyond it, every other one is
/// dropped and only every second one after is kept, so quantiles stay
/// representative in fixed memory.
const MAX_DURATIONS: usize = 4_096;

/// The rate switch and the current period's tally.
#[derive(Debug)]
pub(super) struct Pacer {
    /// Traces a second printed in full before summarising; 0: never
    /// summarise.
    pub(super) max_per_second: u32,
    pub(super) period: Duration,
    /// When each trace of the last second became ready (while printing
    /// every trace).
    recent: VecDeque<SystemTime>,
    /// `Some` while summarising.
    tally: Option<Tally>,
}

/// What to do with one ready trace.
pub(super) struct Verdict {
    pub(super) print: bool,
    /// A line announcing the switch to summaries, to print before it.
    pub(super) notice: Option<String>,
}

impl Pacer {
    pub(super) fn new(max_per_second: u32, period: Duration) -> Self {
        Pacer {
            max_per_second,
            period,
            recent: VecDeque::new(),
            tally: None,
        }
    }

    /// Files a trace that became ready at `now`.
    pub(super) fn admit(
        &mut self,
        spans: &[SpanData],
        now: SystemTime,
        options: &RenderOptions,
    ) -> Verdict {
        let mut notice = None;
        if self.tally.is_none() {
            if self.max_per_second == 0 {
                return Verdict {
                    print: true,
                    notice,
                };
            }
            let second_ago = now.checked_sub(Duration::from_secs(1));
            while let (Some(&oldest), Some(second_ago)) = (self.recent.front(), second_ago) {
                if oldest > second_ago {
                    break;
                }
                self.recent.pop_front();
            }
            self.recent.push_back(now);
            if self.recent.len() <= self.max_per_second as usize {
                return Verdict {
                    print: true,
                    notice,
                };
            }
            self.recent.clear();
            self.tally = Some(Tally::new(now));
            notice = Some(self.switch_notice(options));
        }
        let tally = self.tally.as_mut().expect("summarising");
        let print = tally.add(spans);
        Verdict { print, notice }
    }

    /// At `now`: the summary of a period that has ended, if one has.
    pub(super) fn tick(&mut self, now: SystemTime, options: &RenderOptions) -> Option<String> {
        let tally = self.tally.as_ref()?;
        let elapsed = now.duration_since(tally.start).unwrap_or_default();
        if elapsed < self.period {
            return None;
        }
        let tally = self.tally.take()?;
        let mut text = tally.render(elapsed, options);
        let calm = tally.traces <= u64::from(self.max_per_second) * self.period.as_secs().max(1);
        if calm {
            let mut line = Line::default();
            line.push(
                &format!(
                    "── at most {} traces a second again: printing every trace ──",
                    self.max_per_second
                ),
                Style::Dim,
            );
            finish(line, &mut text, options);
            text.push('\n');
        } else {
            self.tally = Some(Tally::new(now));
        }
        Some(text)
    }

    /// At shutdown: the summary of the period so far, if summarising.
    pub(super) fn finish(&mut self, now: SystemTime, options: &RenderOptions) -> Option<String> {
        let tally = self.tally.take()?;
        let elapsed = now.duration_since(tally.start).unwrap_or_default();
        Some(tally.render(elapsed, options))
    }

    fn switch_notice(&self, options: &RenderOptions) -> String {
        let mut text = String::new();
        let mut line = Line::default();
        line.push(
            &format!(
                "── more than {} traces a second: a summary every {}, with every trace that has \
                 an error and a sample of the rest ──",
                self.max_per_second,
                format_duration(self.period)
            ),
            Style::Dim,
        );
        finish(line, &mut text, options);
        text.push('\n');
        text
    }
}

fn finish(mut line: Line, out: &mut String, options: &RenderOptions) {
    line.truncate(options.width);
    line.write_into(out, options.color);
}

/// One summary period.
#[derive(Debug)]
struct Tally {
    start: SystemTime,
    traces: u64,
    traces_with_errors: u64,
    left_out_traces: u64,
    left_out_spans: u64,
    /// Root names printed as samples this period.
    sampled: Vec<Cow<'static, str>>,
    names: HashMap<Cow<'static, str>, NameStats>,
}

#[derive(Debug, Default)]
struct NameStats {
    count: u64,
    errors: u64,
    durations: Durations,
}

impl Tally {
    fn new(start: SystemTime) -> Self {
        Tally {
            start,
            traces: 0,
            traces_with_errors: 0,
            left_out_traces: 0,
            left_out_spans: 0,
            sampled: Vec::new(),
            names: HashMap::new(),
        }
    }

    /// Counts a trace; says whether to print it.
    fn add(&mut self, spans: &[SpanData]) -> bool {
        self.traces += 1;
        let mut has_error = false;
        for span in spans {
            let stats = self.names.entry(span.name.clone()).or_default();
            stats.count += 1;
            stats.durations.add(span_duration(span));
            if is_error(span) {
                stats.errors += 1;
                has_error = true;
            }
        }
        if has_error {
            self.traces_with_errors += 1;
            return true;
        }
        let root = root_of(spans).map(|span| &span.name);
        if let Some(root) = root
            && self.sampled.len() < MAX_SAMPLES
            && !self.sampled.contains(root)
        {
            self.sampled.push(root.clone());
            return true;
        }
        self.left_out_traces += 1;
        self.left_out_spans += spans.len() as u64;
        false
    }

    fn render(&self, elapsed: Duration, options: &RenderOptions) -> String {
        let mut out = String::new();
        let mut header = Line::default();
        header.push("── summary of ", Style::Dim);
        header.push(&format_duration(elapsed), Style::Cyan);
        let mut counts = format!(" · {} traces", self.traces);
        // A period cut short by shutdown may be too short for a rate.
        if elapsed >= Duration::from_millis(1) {
            let per_second = self.traces as f64 / elapsed.as_secs_f64();
            let _ = write!(counts, " ({per_second:.0}/s)");
        }
        let _ = write!(
            counts,
            " · {} with errors · {} left out ({} spans) ──",
            self.traces_with_errors, self.left_out_traces, self.left_out_spans
        );
        header.push(&counts, Style::Dim);
        finish(header, &mut out, options);

        let mut rows: Vec<(&Cow<'static, str>, &NameStats)> = self.names.iter().collect();
        rows.sort_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(b.0)));
        let shown = &rows[..rows.len().min(MAX_ROWS)];
        let name_width = shown
            .iter()
            .map(|(name, _)| clean(name).chars().count())
            .max()
            .unwrap_or(0)
            .max(4)
            .min(options.width.saturating_sub(40).max(16));
        let count_width = shown
            .iter()
            .map(|(_, stats)| stats.count.to_string().len())
            .max()
            .unwrap_or(0)
            .max(5);
        let row = |name: &str, count: &str, p50: &str, p99: &str, errors: &str, style: Style| {
            let mut line = Line::default();
            if name.chars().count() > name_width {
                let cut: String = name.chars().take(name_width.saturating_sub(1)).collect();
                line.push(&format!("{cut}…"), style);
            } else {
                line.push(name, style);
            }
            line.pad_to(name_width);
            line.push(&format!("  {count:>count_width$}"), Style::Plain);
            line.push(&format!("  {p50:>7}  {p99:>7}"), Style::Cyan);
            let error_style = if errors == "0" || errors == "errors" {
                Style::Plain
            } else {
                Style::Red
            };
            line.push(&format!("  {errors:>6}"), error_style);
            line
        };
        finish(
            row("span", "count", "p50", "p99", "errors", Style::Dim),
            &mut out,
            options,
        );
        for (name, stats) in shown {
            let sorted = stats.durations.sorted();
            finish(
                row(
                    &clean(name),
                    &stats.count.to_string(),
                    &format_duration(quantile(&sorted, 0.5)),
                    &format_duration(quantile(&sorted, 0.99)),
                    &stats.errors.to_string(),
                    Style::Plain,
                ),
                &mut out,
                options,
            );
        }
        if rows.len() > shown.len() {
            let mut more = Line::default();
            let rest: u64 = rows[shown.len()..].iter().map(|(_, s)| s.count).sum();
            more.push(
                &format!(
                    "+{} more span names ({rest} spans)",
                    rows.len() - shown.len()
                ),
                Style::Dim,
            );
            finish(more, &mut out, options);
        }
        out.push('\n');
        out
    }
}

/// Span durations of one name in one period, in bounded memory.
#[derive(Debug)]
struct Durations {
    kept: Vec<Duration>,
    /// Every `stride`-th duration is kept.
    stride: u64,
    seen: u64,
}

impl Default for Durations {
    fn default() -> Self {
        Durations {
            kept: Vec::new(),
            stride: 1,
            seen: 0,
        }
    }
}

impl Durations {
    fn add(&mut self, duration: Duration) {
        if self.seen.is_multiple_of(self.stride) {
            self.kept.push(duration);
            if self.kept.len() >= MAX_DURATIONS {
                // Keep the ones at even positions: every `2 * stride`-th.
                let mut index = 0;
                self.kept.retain(|_| {
                    index += 1;
                    index % 2 == 1
                });
                self.stride *= 2;
            }
        }
        self.seen += 1;
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut sorted = self.kept.clone();
        sorted.sort_unstable();
        sorted
    }
}

/// Nearest rank.
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
