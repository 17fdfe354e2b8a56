//! `bridgex cache`: what the caches hold (artifacts by kind, checkpoints of interrupted runs,
//! model files) and clearing them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::app::AppEnv;
use crate::args::OutputFormat;
use crate::output::print_outcome;
use crate::table;

/// `bridgex cache`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Delete this part of the caches (after listing what is there)
    #[arg(long, value_enum)]
    pub clear: Option<Clear>,
    /// What to print
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

/// What `--clear` deletes.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clear {
    /// The checkpoints of interrupted runs (they are resumed from otherwise)
    Checkpoints,
    /// Every cached statistics, probe and filter artifact (recomputed when needed)
    Artifacts,
    /// The model files of the model cache (fetched again when needed)
    Models,
    /// Artifacts and models
    All,
}

pub fn run(args: Args, env: &AppEnv) -> anyhow::Result<()> {
    let artifacts = match &env.artifacts_dir {
        Some(d) => d.clone(),
        None => neuron_probe::ArtifactStore::from_env()?
            .root()
            .to_path_buf(),
    };
    let models = match &env.model_dir {
        Some(d) => d.clone(),
        None => llm_runtime::models::model_dir()?,
    };
    let mut info = cache_info(&artifacts, &models);
    if let Some(what) = args.clear {
        info.cleared = clear(&info, what)?;
    }
    print_outcome(args.format, &info, render_cache)
}

/// A file in a cache directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedFile {
    pub path: PathBuf,
    pub bytes: u64,
}

/// Artifacts of one kind in the artifacts directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactCount {
    pub kind: String,
    pub artifacts: usize,
    pub bytes: u64,
}

/// What the caches hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheInfo {
    pub artifacts_dir: PathBuf,
    pub artifacts: Vec<ArtifactCount>,
    pub models_dir: PathBuf,
    pub models: Vec<CachedFile>,
    /// What `--clear` deleted: paths and bytes.
    pub cleared: Vec<CachedFile>,
}

/// Artifact kinds that are checkpoints of unfinished work.
fn is_checkpoint(kind: &str) -> bool {
    kind.ends_with("-checkpoint")
}

pub fn cache_info(artifacts_dir: &Path, models_dir: &Path) -> CacheInfo {
    CacheInfo {
        artifacts_dir: artifacts_dir.to_path_buf(),
        artifacts: artifact_counts(artifacts_dir),
        models_dir: models_dir.to_path_buf(),
        models: dir_files(models_dir, |_| true),
        cleared: Vec::new(),
    }
}

/// Delete `what`; returns what went.
pub fn clear(info: &CacheInfo, what: Clear) -> anyhow::Result<Vec<CachedFile>> {
    let mut gone = Vec::new();
    let kinds = |keep: fn(&str) -> bool, gone: &mut Vec<CachedFile>| -> anyhow::Result<()> {
        for a in info.artifacts.iter().filter(|a| keep(&a.kind)) {
            let dir = info.artifacts_dir.join(&a.kind);
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
            gone.push(CachedFile {
                path: dir,
                bytes: a.bytes,
            });
        }
        Ok(())
    };
    match what {
        Clear::Checkpoints => kinds(is_checkpoint, &mut gone)?,
        Clear::Artifacts | Clear::All => kinds(|_| true, &mut gone)?,
        Clear::Models => {}
    }
    if matches!(what, Clear::Models | Clear::All) {
        for f in &info.models {
            std::fs::remove_file(&f.path)
                .with_context(|| format!("removing {}", f.path.display()))?;
            gone.push(f.clone());
        }
    }
    Ok(gone)
}

pub fn render_cache(c: &CacheInfo) -> String {
    let mut out = String::new();
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    let _ = writeln!(out, "Artifacts in {}", c.artifacts_dir.display());
    let mut t = table::table(&["kind", "artifacts", "size"], 1);
    for a in &c.artifacts {
        let kind = if is_checkpoint(&a.kind) {
            format!("{} (unfinished work)", a.kind)
        } else {
            a.kind.clone()
        };
        t.add_row(vec![kind, a.artifacts.to_string(), mib(a.bytes)]);
    }
    let _ = writeln!(out, "{t}");
    let _ = writeln!(out, "Models in {}", c.models_dir.display());
    let mut t = table::table(&["file", "size"], 1);
    for f in &c.models {
        let name = f
            .path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        t.add_row(vec![name, mib(f.bytes)]);
    }
    let _ = writeln!(out, "{t}");
    if !c.cleared.is_empty() {
        let freed: u64 = c.cleared.iter().map(|f| f.bytes).sum();
        let _ = writeln!(out, "Cleared {} ({}):", c.cleared.len(), mib(freed));
        for f in &c.cleared {
            let _ = writeln!(out, "  {}", f.path.display());
        }
    }
    out
}

pub fn dir_files(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<CachedFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<CachedFile> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && keep(p))
        .map(|p| CachedFile {
            bytes: std::fs::metadata(&p).map_or(0, |m| m.len()),
            path: p,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

pub fn artifact_counts(root: &Path) -> Vec<ArtifactCount> {
    let Ok(kinds) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<ArtifactCount> = kinds
        .flatten()
        .filter(|k| k.path().is_dir())
        .map(|k| {
            let files = dir_files(&k.path(), |p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(".tmp-"))
            });
            ArtifactCount {
                kind: k.file_name().to_string_lossy().into_owned(),
                artifacts: files
                    .iter()
                    .filter(|f| f.path.extension().is_some_and(|e| e == "json"))
                    .count(),
                bytes: files.iter().map(|f| f.bytes).sum(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.kind.cmp(&b.kind));
    out
}
