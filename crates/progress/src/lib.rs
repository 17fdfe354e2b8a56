//! Progress of long work, shown where people look: an indicatif bar when stderr is a terminal;
//! when stderr goes to a file (a batch job), one plain line every ~10 s with the stage, done/total,
//! rate and time left, and a closing line; nothing when turned off.
//!
//! Written here rather than taken whole from indicatif: indicatif hides its bars when stderr is
//! not a terminal, which leaves a batch job's log silent for hours.
//!
//! ```rust
//! let p = progress::Progress::new(4, "windows", "statistics", false);
//! p.set_label("statistics sw");
//! p.inc(3);
//! p.inc(1);
//! assert_eq!(p.position(), 4);
//! p.finish();
//! ```

use std::io::IsTerminal as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Seconds between log lines (default 10); `0` writes one line per step.
pub const ENV_PROGRESS_SECS: &str = "BRIDGEX_PROGRESS_SECS";

const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// An indicatif bar (stderr is a terminal).
    Bar,
    /// A line every interval on stderr (stderr is a file or pipe).
    Lines,
    /// Nothing.
    Off,
}

impl Display {
    /// What `enabled` work shows on this process's stderr.
    pub fn for_stderr(enabled: bool) -> Display {
        match (enabled, std::io::stderr().is_terminal()) {
            (false, _) => Display::Off,
            (true, true) => Display::Bar,
            (true, false) => Display::Lines,
        }
    }
}

#[derive(Debug)]
struct LineState {
    label: String,
    last: Instant,
    /// Lines written so far (at most one per interval).
    written: Vec<String>,
    /// Where the count stood when [`Progress::finish`] ran (indicatif moves a finished bar to
    /// its end, which would claim work that was not done, e.g. words judged but not understood).
    finished_at: Option<u64>,
}

/// Progress of `total` steps of `unit`.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    display: Display,
    unit: String,
    started: Instant,
    interval: Duration,
    lines: Mutex<LineState>,
}

fn interval_from_env() -> Duration {
    std::env::var(ENV_PROGRESS_SECS)
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(DEFAULT_INTERVAL, Duration::from_secs_f64)
}

impl Progress {
    /// Progress shown as [`Display::for_stderr`] says.
    pub fn new(total: u64, unit: &str, label: &str, enabled: bool) -> Progress {
        Progress::with_display(total, unit, label, Display::for_stderr(enabled))
    }

    pub fn with_display(total: u64, unit: &str, label: &str, display: Display) -> Progress {
        let bar = match display {
            Display::Bar if total > 0 => {
                let bar = ProgressBar::new(total);
                let template = format!(
                    "{{msg}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {unit} (eta {{eta}})"
                );
                if let Ok(style) = ProgressStyle::with_template(&template) {
                    bar.set_style(style);
                }
                bar.set_message(label.to_string());
                bar
            }
            // A hidden bar still counts, so `position` works in every display.
            _ => {
                ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::hidden())
            }
        };
        let now = Instant::now();
        Progress {
            bar,
            display,
            unit: unit.to_string(),
            started: now,
            interval: interval_from_env(),
            lines: Mutex::new(LineState {
                label: label.to_string(),
                last: now,
                written: Vec::new(),
                finished_at: None,
            }),
        }
    }

    /// What is being worked on now (a language, a pair).
    pub fn set_label(&self, label: &str) {
        self.bar.set_message(label.to_string());
        if let Ok(mut l) = self.lines.lock() {
            l.label = label.to_string();
        }
    }

    /// Steps done so far.
    pub fn position(&self) -> u64 {
        self.lines
            .lock()
            .ok()
            .and_then(|l| l.finished_at)
            .unwrap_or_else(|| self.bar.position())
    }

    pub fn total(&self) -> u64 {
        self.bar.length().unwrap_or(0)
    }

    /// `n` more steps done.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
        self.maybe_line(false);
    }

    /// Steps done, e.g. when resuming with some already finished.
    pub fn set_position(&self, done: u64) {
        self.bar.set_position(done);
    }

    /// Clear the bar; in a log, write the closing line.
    pub fn finish(&self) {
        let done = self.bar.position();
        if let Ok(mut l) = self.lines.lock() {
            l.finished_at = Some(done);
        }
        self.bar.finish_and_clear();
        self.maybe_line(true);
    }

    /// The line a log shows: `statistics sw: 12/34 windows, 2.1 windows/s, 10s left`.
    pub fn line(&self) -> String {
        let label = self
            .lines
            .lock()
            .map(|l| l.label.clone())
            .unwrap_or_default();
        let (done, total) = (self.position(), self.total());
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
        let left = if rate > 0.0 && total > done {
            format!(", {} left", human_duration((total - done) as f64 / rate))
        } else {
            String::new()
        };
        format!(
            "{label}: {done}/{total} {}, {} {}/s{left}",
            self.unit,
            significant(rate),
            self.unit
        )
    }

    fn maybe_line(&self, last: bool) {
        if self.display != Display::Lines {
            return;
        }
        let Ok(mut l) = self.lines.lock() else {
            return;
        };
        if last || l.last.elapsed() >= self.interval {
            l.last = Instant::now();
            drop(l);
            let line = format!("[progress] {}", self.line());
            eprintln!("{line}");
            if let Ok(mut l) = self.lines.lock() {
                l.written.push(line);
            }
        }
    }

    /// The log lines written so far ([`Display::Lines`] only).
    pub fn lines_written(&self) -> Vec<String> {
        self.lines
            .lock()
            .map(|l| l.written.clone())
            .unwrap_or_default()
    }
}

/// `0.25`, `2.1`, `143`: three significant digits at most.
fn significant(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// `45s`, `12m05s`, `3h07m`.
fn human_duration(secs: f64) -> String {
    let s = secs.round() as u64;
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_what_how_far_and_how_fast() {
        let p = Progress::with_display(10, "windows", "statistics sw", Display::Off);
        p.inc(4);
        let line = p.line();
        assert!(line.starts_with("statistics sw: 4/10 windows, "), "{line}");
        assert!(line.contains("windows/s"), "{line}");
        p.set_label("statistics de");
        p.set_position(10);
        assert!(p.line().starts_with("statistics de: 10/10"), "{}", p.line());
        assert!(!p.line().contains("left"), "nothing left at the end");
    }

    #[test]
    fn a_finished_count_stays_where_it_stopped() {
        // A filter that judged all its words but found only 4 understood must not end with
        // "500/500 words understood".
        let p = Progress::with_display(500, "words understood", "filter en-sw", Display::Off);
        p.inc(4);
        p.finish();
        assert_eq!(p.position(), 4);
        assert!(p.line().starts_with("filter en-sw: 4/500"), "{}", p.line());
    }

    #[test]
    fn a_log_gets_a_line_per_interval_and_a_closing_line() {
        let mut p = Progress::with_display(3, "items", "eval", Display::Lines);
        p.interval = Duration::ZERO;
        p.inc(1);
        p.inc(2);
        p.finish();
        let lines = p.lines_written();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].starts_with("[progress] eval: 1/3 items"),
            "{lines:?}"
        );
        assert!(
            lines[2].starts_with("[progress] eval: 3/3 items"),
            "{lines:?}"
        );

        let mut p = Progress::with_display(3, "items", "eval", Display::Lines);
        p.interval = Duration::from_secs(3600);
        p.inc(1);
        p.inc(1);
        assert!(p.lines_written().is_empty(), "nothing before the interval");
        p.finish();
        assert_eq!(p.lines_written().len(), 1, "the closing line");
        let quiet = Progress::with_display(3, "items", "eval", Display::Off);
        quiet.inc(3);
        quiet.finish();
        assert!(quiet.lines_written().is_empty());
    }

    #[test]
    fn durations_and_rates_read_well() {
        assert_eq!(human_duration(44.6), "45s");
        assert_eq!(human_duration(725.0), "12m05s");
        assert_eq!(human_duration(11_220.0), "3h07m");
        assert_eq!(significant(0.254), "0.25");
        assert_eq!(significant(21.04), "21.0");
        assert_eq!(significant(143.4), "143");
    }
}
