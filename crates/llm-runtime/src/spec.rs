//! Model specs: what a user types to name a model, resolved to weights + tokenizer.
//!
//! - a named model (see [`crate::models`]): `gemma-3-270m` (the default) or
//!   `qwen2.5-coder-0.5b`, fetched once, sha256-checked, cached. A name wins over a file of the
//!   same name in the working directory; write `./NAME` for the file.
//! - a local path: a GGUF file, an HF checkpoint directory (`config.json` + safetensors +
//!   `tokenizer.json`), or a directory holding exactly one `.gguf` file.
//! - `hf:ORG/NAME[@REVISION][/FILE.gguf]`: a Hugging Face hub repository through `hf-hub`
//!   (cache under `$HF_HOME`, default `~/.cache/huggingface`; with `HF_HUB_OFFLINE=1` only the
//!   cache is used). Without a file name, a repo with `config.json` is read as an HF checkpoint,
//!   otherwise its single `.gguf` file is used.
//!
//! ```
//! use llm_runtime::spec::{HubSpec, ModelSpec};
//! assert_eq!(ModelSpec::parse("gemma-3-270m")?, ModelSpec::Named("gemma-3-270m".into()));
//! assert_eq!(ModelSpec::parse("qwen2.5-coder-0.5b")?, ModelSpec::Named("qwen2.5-coder-0.5b".into()));
//! let hub = ModelSpec::parse("hf:Qwen/Qwen2.5-0.5B@main")?;
//! assert_eq!(
//!     hub,
//!     ModelSpec::Hub(HubSpec { repo: "Qwen/Qwen2.5-0.5B".into(), revision: Some("main".into()), file: None })
//! );
//! assert!(ModelSpec::parse("hf:no-name").is_err());
//! // `ModelSpec::resolve()` then finds (or fetches) the files and opens weights + tokenizer.
//! # Ok::<(), llm_runtime::Error>(())
//! ```

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::gguf::GGUF_MAGIC;
use crate::loader::GgufWeights;
use crate::loader::hf::HfWeights;
use crate::models;
use crate::tokenizer::Tokenizer;
use crate::weights::WeightSource;

/// A parsed model spec (syntax only; nothing is read until [`ModelSpec::resolve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSpec {
    /// A named model of [`models::registry`] (`gemma-3-270m`, `qwen2.5-coder-0.5b`).
    Named(String),
    /// A local GGUF file or HF directory.
    Path(PathBuf),
    /// A hub repository.
    Hub(HubSpec),
}

/// `hf:ORG/NAME[@REVISION][/FILE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubSpec {
    /// `ORG/NAME`.
    pub repo: String,
    /// Branch, tag or commit; `None` = `main`.
    pub revision: Option<String>,
    /// A file inside the repo (a `.gguf`), if named.
    pub file: Option<String>,
}

/// The file format a spec resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelFormat {
    Gguf,
    HfDir,
}

/// Weights and tokenizer of a resolved spec.
pub struct ResolvedModel {
    /// The spec as given.
    pub spec: String,
    /// The GGUF file or HF directory the model was read from.
    pub path: PathBuf,
    pub format: ModelFormat,
    pub weights: Box<dyn WeightSource + Send + Sync>,
    pub tokenizer: Tokenizer,
}

impl std::fmt::Debug for ResolvedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedModel")
            .field("spec", &self.spec)
            .field("path", &self.path)
            .field("format", &self.format)
            .field("config", self.weights.config())
            .field("tokenizer", &self.tokenizer)
            .finish()
    }
}

fn forms() -> String {
    format!(
        "expected a named model ({}), a GGUF file, an HF model directory, or hf:ORG/NAME[@REVISION][/FILE.gguf]",
        models::names().join(", ")
    )
}

impl ModelSpec {
    /// Parse a spec string (no file system or network access).
    pub fn parse(spec: &str) -> Result<ModelSpec> {
        let s = spec.trim();
        let bad = |what: String| Error::Spec {
            spec: spec.to_string(),
            what,
        };
        if s.is_empty() {
            return Err(bad(format!("empty; {}", forms())));
        }
        if models::named(s).is_some() {
            return Ok(ModelSpec::Named(s.to_string()));
        }
        if let Some(rest) = s.strip_prefix("hf:") {
            return parse_hub(rest)
                .map(ModelSpec::Hub)
                .map_err(|what| bad(format!("{what}; {}", forms())));
        }
        Ok(ModelSpec::Path(PathBuf::from(s)))
    }

    /// Find (fetching if needed) and open the model.
    pub fn resolve(&self) -> Result<ResolvedModel> {
        let spec = self.to_string();
        match self {
            ModelSpec::Named(name) => open_path(&spec, &models::named_model_path(name, None)?),
            ModelSpec::Path(p) => open_path(&spec, p),
            ModelSpec::Hub(h) => {
                let path = hub::fetch(&spec, h)?;
                open_path(&spec, &path)
            }
        }
    }
}

impl std::fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelSpec::Named(name) => f.write_str(name),
            ModelSpec::Path(p) => write!(f, "{}", p.display()),
            ModelSpec::Hub(h) => {
                write!(f, "hf:{}", h.repo)?;
                if let Some(r) = &h.revision {
                    write!(f, "@{r}")?;
                }
                if let Some(file) = &h.file {
                    write!(f, "/{file}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::str::FromStr for ModelSpec {
    type Err = Error;
    fn from_str(s: &str) -> Result<ModelSpec> {
        ModelSpec::parse(s)
    }
}

/// Parse and resolve in one step.
pub fn resolve(spec: &str) -> Result<ResolvedModel> {
    ModelSpec::parse(spec)?.resolve()
}

fn parse_hub(rest: &str) -> std::result::Result<HubSpec, String> {
    let mut segments = rest.splitn(3, '/');
    let org = segments.next().unwrap_or("");
    let name_rev = segments
        .next()
        .ok_or("missing `/NAME` after the organisation")?;
    let file = segments.next().map(str::to_string);
    let (name, revision) = match name_rev.split_once('@') {
        Some((n, r)) => (n, Some(r.to_string())),
        None => (name_rev, None),
    };
    let valid_id = |s: &str| {
        !s.is_empty()
            && !s.starts_with(['.', '-'])
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !s.contains("..")
    };
    if !valid_id(org) {
        return Err(format!("`{org}` is not a valid organisation/user name"));
    }
    if !valid_id(name) {
        return Err(format!("`{name}` is not a valid repository name"));
    }
    if let Some(r) = &revision
        && (r.is_empty() || r.contains(char::is_whitespace))
    {
        return Err(format!("`{r}` is not a valid revision"));
    }
    if let Some(f) = &file
        && (f.is_empty() || f.split('/').any(|c| c.is_empty() || c == "." || c == ".."))
    {
        return Err(format!(
            "`{f}` is not a valid file path inside the repository"
        ));
    }
    Ok(HubSpec {
        repo: format!("{org}/{name}"),
        revision,
        file,
    })
}

fn is_gguf_file(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && magic == GGUF_MAGIC
}

/// Open a local GGUF file or model directory.
pub fn open_path(spec: &str, path: &Path) -> Result<ResolvedModel> {
    let bad = |what: String| Error::Spec {
        spec: spec.to_string(),
        what,
    };
    if path.is_file() {
        if !is_gguf_file(path) {
            return Err(bad(format!(
                "{} is not a GGUF file (no `GGUF` magic); {}",
                path.display(),
                forms()
            )));
        }
        let weights = GgufWeights::open(path)?;
        let tokenizer = weights.tokenizer()?;
        return Ok(ResolvedModel {
            spec: spec.to_string(),
            path: path.to_path_buf(),
            format: ModelFormat::Gguf,
            weights: Box::new(weights),
            tokenizer,
        });
    }
    if path.is_dir() {
        if path.join("config.json").is_file() {
            let weights = HfWeights::open(path)?;
            let tokenizer = weights.tokenizer()?;
            return Ok(ResolvedModel {
                spec: spec.to_string(),
                path: path.to_path_buf(),
                format: ModelFormat::HfDir,
                weights: Box::new(weights),
                tokenizer,
            });
        }
        let ggufs = gguf_files_in(path)?;
        return match ggufs.as_slice() {
            [one] => open_path(spec, one),
            [] => Err(bad(format!(
                "{} has neither config.json nor a .gguf file",
                path.display()
            ))),
            many => Err(bad(format!(
                "{} holds {} .gguf files; name one: {}",
                path.display(),
                many.len(),
                many.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        };
    }
    Err(bad(format!(
        "{} does not exist; {}",
        path.display(),
        forms()
    )))
}

fn gguf_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
                && p.is_file()
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Hub access through `hf-hub` (sync API).
mod hub {
    use super::*;
    use hf_hub::{Cache, Repo, RepoType};

    fn offline() -> bool {
        std::env::var("HF_HUB_OFFLINE")
            .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
    }

    fn repo(h: &HubSpec) -> Repo {
        Repo::with_revision(
            h.repo.clone(),
            RepoType::Model,
            h.revision.clone().unwrap_or_else(|| "main".into()),
        )
    }

    /// The local path (GGUF file or snapshot directory) of a hub spec.
    pub(super) fn fetch(spec: &str, h: &HubSpec) -> Result<PathBuf> {
        if offline() {
            from_cache(spec, h, &Cache::from_env())
        } else {
            from_network(spec, h)
        }
    }

    /// Files a checkpoint directory needs besides the weights.
    const HF_FILES: [&str; 2] = ["config.json", "tokenizer.json"];

    /// `HF_HUB_OFFLINE`: only the local cache, laid out as `huggingface_hub` does
    /// (`models--ORG--NAME/refs/REV` holds a commit, files are in `snapshots/COMMIT/`; a
    /// revision that is itself a commit names the snapshot directly).
    pub(super) fn from_cache(spec: &str, h: &HubSpec, cache: &Cache) -> Result<PathBuf> {
        let missing = |what: &str| Error::Spec {
            spec: spec.to_string(),
            what: format!(
                "HF_HUB_OFFLINE is set and {what} of {} is not in the cache {}",
                h.repo,
                cache.path().display()
            ),
        };
        let revision = repo(h).revision().to_string();
        let snapshot =
            snapshot_dir(cache, h).ok_or_else(|| missing(&format!("revision `{revision}`")))?;
        let cached = |file: &str| Some(snapshot.join(file)).filter(|p| p.exists());
        if let Some(file) = &h.file {
            return cached(file).ok_or_else(|| missing(&format!("`{file}`")));
        }
        if cached("config.json").is_some() {
            for f in HF_FILES {
                cached(f).ok_or_else(|| missing(&format!("`{f}`")))?;
            }
        }
        // An HF checkpoint, or a GGUF repo whose snapshot holds one .gguf file (open_path checks).
        Ok(snapshot)
    }

    fn snapshot_dir(cache: &Cache, h: &HubSpec) -> Option<PathBuf> {
        let r = repo(h);
        let base = cache.path().join(r.folder_name());
        let rev = r.revision().to_string();
        let commit = std::fs::read_to_string(base.join("refs").join(&rev))
            .map(|s| s.trim().to_string())
            .unwrap_or(rev);
        let dir = base.join("snapshots").join(commit);
        dir.is_dir().then_some(dir)
    }

    fn from_network(spec: &str, h: &HubSpec) -> Result<PathBuf> {
        let hub_err = |what: String| Error::Download {
            url: format!("https://huggingface.co/{}", h.repo),
            what,
        };
        let api = hf_hub::api::sync::ApiBuilder::from_env()
            .with_progress(true)
            .build()
            .map_err(|e| hub_err(e.to_string()))?;
        let api_repo = api.repo(repo(h));
        if let Some(file) = &h.file {
            return api_repo
                .get(file)
                .map_err(|e| hub_err(format!("{file}: {e}")));
        }
        let info = api_repo.info().map_err(|e| hub_err(e.to_string()))?;
        let names: Vec<String> = info.siblings.iter().map(|s| s.rfilename.clone()).collect();
        if names.iter().any(|n| n == "config.json") {
            let mut wanted: Vec<String> = HF_FILES.iter().map(|s| s.to_string()).collect();
            if names.iter().any(|n| n == "model.safetensors.index.json") {
                let index = api_repo
                    .get("model.safetensors.index.json")
                    .map_err(|e| hub_err(format!("model.safetensors.index.json: {e}")))?;
                let text = std::fs::read_to_string(&index).map_err(|e| Error::io(&index, e))?;
                let json: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| Error::format(&index, format!("invalid JSON: {e}")))?;
                let mut shards: Vec<String> = json
                    .get("weight_map")
                    .and_then(|m| m.as_object())
                    .map(|m| {
                        m.values()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                shards.sort();
                shards.dedup();
                wanted.extend(shards);
            } else {
                wanted.push("model.safetensors".into());
            }
            let mut dir = None;
            for f in &wanted {
                let p = api_repo.get(f).map_err(|e| hub_err(format!("{f}: {e}")))?;
                dir = p.parent().map(Path::to_path_buf);
            }
            return dir.ok_or_else(|| hub_err("no files".into()));
        }
        let ggufs: Vec<&String> = names
            .iter()
            .filter(|n| n.to_ascii_lowercase().ends_with(".gguf"))
            .collect();
        match ggufs.as_slice() {
            [one] => api_repo
                .get(one)
                .map_err(|e| hub_err(format!("{one}: {e}"))),
            [] => Err(Error::Spec {
                spec: spec.to_string(),
                what: format!("{} has neither config.json nor a .gguf file", h.repo),
            }),
            many => Err(Error::Spec {
                spec: spec.to_string(),
                what: format!(
                    "{} has {} .gguf files; name one as hf:{}/FILE: {}",
                    h.repo,
                    many.len(),
                    h.repo,
                    many.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }
}

/// The offline-cache lookup of a hub spec (what `HF_HUB_OFFLINE=1` does): the cached GGUF file
/// or snapshot directory. `hf_cache` is the hub cache root (`$HF_HOME/hub`); `None` reads the
/// environment like `huggingface_hub`. Never touches the network.
pub fn hub_cached_path(spec: &HubSpec, hf_cache: Option<&Path>) -> Result<PathBuf> {
    let cache = match hf_cache {
        Some(root) => hf_hub::Cache::new(root.to_path_buf()),
        None => hf_hub::Cache::from_env(),
    };
    let name = ModelSpec::Hub(spec.clone()).to_string();
    hub::from_cache(&name, spec, &cache)
}
