//! What a run cost and what it took from the cache (as the pipeline reported it).

use std::time::Duration;

use neuron_probe::{StageCache, StageLog};
use serde::{Deserialize, Serialize};

/// Timing and cache use of one command run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub command: String,
    pub bridgex_version: String,
    /// Model spec as given, and the device and precision it ran on.
    pub model_spec: Option<String>,
    pub device: Option<String>,
    /// Wall time: reported on stderr, kept out of the JSON files so that two runs in the same
    /// state write the same bytes.
    #[serde(skip_serializing, default)]
    pub elapsed_s: f64,
    /// Whether the weights were loaded (false when everything came from the cache).
    pub model_loaded: bool,
    #[serde(skip_serializing, default)]
    pub model_load_s: Option<f64>,
    pub stats: StageCache,
    pub probe: StageCache,
    pub filter: StageCache,
    pub artifacts_dir: String,
    pub data: String,
}

impl RunInfo {
    /// Add what the pipeline reported computing and loading.
    pub fn record(&mut self, log: &StageLog) {
        self.stats.merge(&log.stats);
        self.probe.merge(&log.probe);
        self.filter.merge(&log.filter);
    }

    pub fn new(command: &str) -> Self {
        RunInfo {
            command: command.to_string(),
            bridgex_version: env!("CARGO_PKG_VERSION").to_string(),
            ..RunInfo::default()
        }
    }

    /// One line for the end of a run.
    pub fn summary_line(&self) -> String {
        let mut parts = vec![format!(
            "{} finished in {}",
            self.command,
            format_duration(Duration::from_secs_f64(self.elapsed_s.max(0.0)))
        )];
        let stage_total = |s: &StageCache| s.computed.len() + s.cached.len();
        if stage_total(&self.stats) > 0 {
            parts.push(self.stats.describe("language statistics"));
        }
        if stage_total(&self.probe) > 0 {
            parts.push(self.probe.describe("probe"));
        }
        if self.model_loaded {
            match self.model_load_s {
                Some(s) => parts.push(format!("model loaded in {s:.1}s")),
                None => parts.push("model loaded".into()),
            }
        } else if stage_total(&self.stats) + stage_total(&self.probe) > 0 {
            parts.push("model weights not needed".into());
        }
        parts.join("; ")
    }
}

/// `1h02m03s`, `4m05.2s`, `3.21s`.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.2}s")
    } else if s < 3600.0 {
        format!("{}m{:04.1}s", (s / 60.0).floor() as u64, s % 60.0)
    } else {
        let total = s.round() as u64;
        format!(
            "{}h{:02}m{:02}s",
            total / 3600,
            (total % 3600) / 60,
            total % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(format_duration(Duration::from_millis(3210)), "3.21s");
        assert_eq!(format_duration(Duration::from_millis(245_200)), "4m05.2s");
        assert_eq!(format_duration(Duration::from_secs(3723)), "1h02m03s");
    }
}
