//! `bridgex models`: the default model, the supported formats and architectures, and what is
//! cached, without running a model.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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
}

pub fn run(args: Args, env: &AppEnv) -> anyhow::Result<()> {
    let info = models(env.model_dir.as_deref(), env.artifacts_dir.as_deref());
    print_outcome(args.format, &info, render_models)
}

/// The default model and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultModelInfo {
    pub spec: String,
    pub file_name: String,
    pub bytes: u64,
    pub sha256: String,
    pub hub_url: Option<String>,
    pub pypi_wheels: Vec<String>,
    pub cache_dir: Option<PathBuf>,
    /// Present in the cache with the right size.
    pub cached: bool,
    /// `$BRIDGEX_GEMMA_GGUF`, if set.
    pub override_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchitectureInfo {
    pub name: String,
    pub families: String,
    pub activation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelsInfo {
    pub default_model: DefaultModelInfo,
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
    use llm_runtime::default_model as dm;
    let artifact = dm::gemma3_270m();
    let cache_dir = model_dir
        .map(Path::to_path_buf)
        .or_else(|| dm::model_dir().ok());
    let cached = cache_dir.as_ref().is_some_and(|d| {
        std::fs::metadata(d.join(&artifact.file_name)).is_ok_and(|m| m.len() == artifact.size)
    });
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
        default_model: DefaultModelInfo {
            spec: dm::DEFAULT_MODEL.to_string(),
            file_name: artifact.file_name.clone(),
            bytes: artifact.size,
            sha256: artifact.sha256.clone(),
            hub_url: artifact.hub_url.clone(),
            pypi_wheels: artifact
                .parts
                .iter()
                .map(|p| format!("{}=={}", p.package, p.version))
                .collect(),
            cache_dir,
            cached,
            override_file: std::env::var_os(dm::ENV_GEMMA_GGUF)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        },
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
            "gemma-3-270m: the default model (GGUF Q4_K_M, fetched and verified)".into(),
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
    let d = &m.default_model;
    let _ = writeln!(out, "Default model");
    let mut rows: Vec<(String, String)> = vec![
        ("spec".into(), d.spec.clone()),
        ("file".into(), format!("{} ({})", d.file_name, mib(d.bytes))),
        ("sha256".into(), d.sha256.clone()),
        (
            "hub URL".into(),
            d.hub_url.clone().unwrap_or_else(|| "-".into()),
        ),
        ("PyPI wheels".into(), wheel_summary(&d.pypi_wheels)),
        (
            "cache".into(),
            match &d.cache_dir {
                Some(c) => format!(
                    "{} ({})",
                    c.display(),
                    if d.cached { "cached" } else { "not cached yet" }
                ),
                None => "no cache directory ($HOME unset)".into(),
            },
        ),
    ];
    if let Some(o) = &d.override_file {
        rows.push(("$BRIDGEX_GEMMA_GGUF".into(), o.display().to_string()));
    }
    let _ = writeln!(out, "{}", table::key_values(&rows));
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
