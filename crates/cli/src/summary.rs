//! What a run cost and what it took from the cache.
//!
//! The stages do not report whether they loaded or computed an artifact, but every computed
//! artifact commits by writing its JSON marker. So a snapshot of the markers (path and
//! modification time) before and after a stage tells which outputs were computed; the rest of
//! what the stage was asked for came from the cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// Artifact kind directories the pipeline writes (see neuron-probe).
pub const STATS_KIND: &str = neuron_probe::stats::STATS_KIND;
pub const PROBE_KIND: &str = neuron_probe::probe::PROBE_KIND;
pub const FILTER_KIND: &str = neuron_probe::probe::FILTER_KIND;

/// A snapshot of the artifact markers under a store root.
#[derive(Debug, Clone, Default)]
pub struct ArtifactWatch {
    root: PathBuf,
    seen: BTreeMap<PathBuf, Option<SystemTime>>,
}

impl ArtifactWatch {
    pub fn new(root: &Path) -> Self {
        let mut w = ArtifactWatch {
            root: root.to_path_buf(),
            seen: BTreeMap::new(),
        };
        w.seen = w.scan();
        w
    }

    fn scan(&self) -> BTreeMap<PathBuf, Option<SystemTime>> {
        let mut out = BTreeMap::new();
        let Ok(kinds) = std::fs::read_dir(&self.root) else {
            return out;
        };
        for kind in kinds.flatten() {
            let Ok(files) = std::fs::read_dir(kind.path()) else {
                continue;
            };
            for f in files.flatten() {
                let p = f.path();
                let is_marker = p.extension().is_some_and(|e| e == "json")
                    && !f.file_name().to_string_lossy().starts_with(".tmp-");
                if is_marker {
                    let mtime = f.metadata().ok().and_then(|m| m.modified().ok());
                    out.insert(p, mtime);
                }
            }
        }
        out
    }

    /// Markers written since the snapshot (new or rewritten), by kind directory name, with
    /// the file stems (`<label>-<key16>`); the snapshot moves forward.
    pub fn written(&mut self) -> BTreeMap<String, Vec<String>> {
        let now = self.scan();
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (path, mtime) in &now {
            if self.seen.get(path) != Some(mtime) {
                let kind = path
                    .parent()
                    .and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let stem = path
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.entry(kind).or_default().push(stem);
            }
        }
        self.seen = now;
        out
    }
}

/// The label part of an artifact stem `<label>-<key16>`.
pub fn stem_label(stem: &str) -> &str {
    match stem.rsplit_once('-') {
        Some((label, key)) if key.len() == 16 && key.chars().all(|c| c.is_ascii_hexdigit()) => {
            label
        }
        _ => stem,
    }
}

/// Which of a stage's outputs were computed and which came from the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageCache {
    pub computed: Vec<String>,
    pub cached: Vec<String>,
}

impl StageCache {
    /// Split `requested` labels by whether a marker of `kind` with that label was written.
    pub fn from_written(
        requested: &[String],
        written: &BTreeMap<String, Vec<String>>,
        kind: &str,
    ) -> Self {
        let labels: Vec<&str> = written
            .get(kind)
            .map(|v| v.iter().map(|s| stem_label(s)).collect())
            .unwrap_or_default();
        let (computed, cached) = requested
            .iter()
            .cloned()
            .partition(|r| labels.contains(&r.as_str()));
        StageCache { computed, cached }
    }

    pub fn describe(&self, what: &str) -> String {
        let total = self.computed.len() + self.cached.len();
        match (self.computed.len(), self.cached.len()) {
            (0, 0) => format!("{what}: none"),
            (_, 0) => format!("{what}: {total} computed"),
            (0, _) => format!("{what}: {total} from cache"),
            (c, h) => format!(
                "{what}: {c} computed ({}), {h} from cache",
                self.computed.join(" ")
            ),
        }
    }
}

/// Timing and cache use of one command run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub command: String,
    pub bridgex_version: String,
    /// Model spec as given, and the device and precision it ran on.
    pub model_spec: Option<String>,
    pub device: Option<String>,
    pub elapsed_s: f64,
    /// Whether the weights were loaded (false when everything came from the cache).
    pub model_loaded: bool,
    pub model_load_s: Option<f64>,
    pub stats: StageCache,
    pub probe: StageCache,
    pub filter: StageCache,
    pub artifacts_dir: String,
    pub data: String,
}

impl RunInfo {
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
    fn labels_and_durations() {
        assert_eq!(stem_label("en-sw-0123456789abcdef"), "en-sw");
        assert_eq!(stem_label("sw-0123456789abcdef"), "sw");
        assert_eq!(stem_label("odd"), "odd");
        assert_eq!(format_duration(Duration::from_millis(3210)), "3.21s");
        assert_eq!(format_duration(Duration::from_millis(245_200)), "4m05.2s");
        assert_eq!(format_duration(Duration::from_secs(3723)), "1h02m03s");
    }

    #[test]
    fn watch_sees_new_and_rewritten_markers() {
        let dir = tempfile::tempdir().unwrap();
        let kind = dir.path().join("probe");
        std::fs::create_dir_all(&kind).unwrap();
        std::fs::write(kind.join("en-sw-0123456789abcdef.json"), "{}").unwrap();
        let mut w = ArtifactWatch::new(dir.path());
        assert!(w.written().is_empty());
        std::fs::write(kind.join("zh-ja-0123456789abcdef.json"), "{}").unwrap();
        std::fs::write(kind.join(".tmp-x.json"), "{}").unwrap();
        let written = w.written();
        assert_eq!(written["probe"], vec!["zh-ja-0123456789abcdef".to_string()]);
        let cache = StageCache::from_written(
            &["en-sw".to_string(), "zh-ja".to_string()],
            &written,
            "probe",
        );
        assert_eq!(cache.computed, vec!["zh-ja"]);
        assert_eq!(cache.cached, vec!["en-sw"]);
    }
}
