//! What a model is, for the keys of everything computed from it: the content digest of its
//! files, its family, the precision of the forward pass and its shape. Computed here only, so
//! that every caller (the cli's lazily opened model, neuron-probe's adapter) keys artifacts and
//! results alike.
//!
//! The digest is the pinned sha256 of a named model (verified when it was fetched), the sha256
//! of a GGUF file, or for a Hugging Face directory the sha256 of its sorted `name sha256` lines
//! over `*.json` and `*.safetensors`. Hashing gigabytes takes a while, so a digest can be
//! remembered in a cache directory under a fingerprint of the files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use neuron_types::ModelIdentity;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::device::Dtype;
use crate::error::{Error, Result};
use crate::family::ModelConfig;
use crate::models;
use crate::spec::{ModelFormat, ModelSpec, ResolvedModel};

/// File remembering digests in a cache directory.
pub const DIGEST_CACHE_FILE: &str = "model-digests.json";

/// The identity of a model of `config` run in `dtype`, named `name`, whose files hash to
/// `digest`.
pub fn model_identity(
    name: &str,
    digest: &str,
    config: &ModelConfig,
    dtype: Dtype,
) -> ModelIdentity {
    ModelIdentity {
        name: name.to_string(),
        digest: digest.to_string(),
        architecture: config.architecture.family().name.to_string(),
        precision: dtype.to_string(),
        layers: config.num_layers,
        neurons: config.intermediate_size,
    }
}

/// Resolve `spec` (fetching a named model into `model_dir`, default `$BRIDGEX_MODEL_DIR` or
/// `~/.cache/bridgex/models`) and identify it for a forward pass in `dtype`. Digests of local
/// files are remembered in `digest_cache` when given.
pub fn open_identified(
    spec: &str,
    dtype: Dtype,
    model_dir: Option<&Path>,
    digest_cache: Option<&Path>,
) -> Result<(ResolvedModel, ModelIdentity)> {
    let parsed = ModelSpec::parse(spec)?;
    let (resolved, digest) = match parsed {
        ModelSpec::Named(name) => {
            let artifact = models::lookup(&name)?;
            let path = models::named_model_path(&name, model_dir)?;
            // The fetch verified the bytes against the pinned digest.
            (crate::spec::open_path(spec, &path)?, artifact.sha256)
        }
        _ => {
            let resolved = parsed.resolve()?;
            let digest = content_digest(&resolved.path, resolved.format, digest_cache)?;
            (resolved, digest)
        }
    };
    let name = resolved
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| spec.trim().to_string());
    let identity = model_identity(&name, &digest, resolved.weights.config(), dtype);
    Ok((resolved, identity))
}

/// The files whose bytes make up the model at `path`.
pub fn model_files(path: &Path, format: ModelFormat) -> Result<Vec<PathBuf>> {
    Ok(match format {
        ModelFormat::Gguf => vec![path.to_path_buf()],
        ModelFormat::HfDir => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension()
                            .is_some_and(|x| x == "json" || x == "safetensors")
                })
                .collect();
            if files.is_empty() {
                return Err(Error::format(
                    path,
                    "no *.json or *.safetensors files to identify the model by",
                ));
            }
            files.sort();
            files
        }
    })
}

/// The content digest of the model at `path` (see the module docs), hashing its files.
pub fn hash_model(path: &Path, format: ModelFormat) -> Result<String> {
    let files = model_files(path, format)?;
    if format == ModelFormat::Gguf {
        return Ok(fetch::sha256_file(path)?);
    }
    let mut h = Sha256::new();
    for f in &files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        h.update(format!("{name} {}\n", fetch::sha256_file(f)?).as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// What a remembered digest is valid for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DigestEntry {
    /// One line per file hashed: see [`fingerprint`].
    fingerprint: String,
    sha256: String,
}

fn mtime_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
}

/// `path size mtime inode ctime` of every file, one per line. The inode and the change time
/// (which setting the modification time back also moves) catch a same-size file swapped in with
/// its old modification time (`touch -r`).
fn fingerprint(files: &[PathBuf]) -> Result<String> {
    let mut lines = Vec::with_capacity(files.len());
    for f in files {
        let meta = std::fs::metadata(f).map_err(|e| Error::io(f, e))?;
        lines.push(format!(
            "{} {} {} {}",
            f.display(),
            meta.len(),
            mtime_ns(&meta),
            change_stamp(&meta)
        ));
    }
    Ok(lines.join("\n"))
}

#[cfg(unix)]
fn change_stamp(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!(
        "{}:{} {}.{}",
        meta.dev(),
        meta.ino(),
        meta.ctime(),
        meta.ctime_nsec()
    )
}

#[cfg(not(unix))]
fn change_stamp(meta: &std::fs::Metadata) -> String {
    meta.created()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
        .to_string()
}

/// [`hash_model`], remembered in `cache_dir/model-digests.json` under a fingerprint of the
/// files, so that big files are hashed once.
pub fn content_digest(
    path: &Path,
    format: ModelFormat,
    cache_dir: Option<&Path>,
) -> Result<String> {
    let key = std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let fp = fingerprint(&model_files(path, format)?)?;
    let cache_file = cache_dir.map(|d| d.join(DIGEST_CACHE_FILE));
    let mut cache: BTreeMap<String, DigestEntry> = cache_file
        .as_ref()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    if let Some(e) = cache.get(&key)
        && e.fingerprint == fp
    {
        return Ok(e.sha256.clone());
    }
    tracing::info!("hashing {} to identify the model", path.display());
    let sha256 = hash_model(path, format)?;
    if let Some(f) = cache_file {
        cache.insert(
            key,
            DigestEntry {
                fingerprint: fp,
                sha256: sha256.clone(),
            },
        );
        // A cache that cannot be written only costs a re-hash next time.
        let written = serde_json::to_vec_pretty(&cache)
            .map_err(|e| e.to_string())
            .and_then(|bytes| fetch::write_atomic(&f, &bytes).map_err(|e| e.to_string()));
        if let Err(e) = written {
            tracing::warn!(
                "could not remember the model digest in {}: {e}",
                f.display()
            );
        }
    }
    Ok(sha256)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256_hex(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    #[test]
    fn a_swapped_file_with_the_old_mtime_is_hashed_again() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let model = dir.path().join("model.gguf");
        std::fs::write(&model, b"first bytes").unwrap();
        let d1 = content_digest(&model, ModelFormat::Gguf, Some(&cache)).unwrap();
        assert_eq!(d1, sha256_hex(b"first bytes"));
        assert!(cache.join(DIGEST_CACHE_FILE).is_file());
        // Remembered: the same answer without hashing (same file, same fingerprint).
        assert_eq!(
            content_digest(&model, ModelFormat::Gguf, Some(&cache)).unwrap(),
            d1
        );

        // The bug: a same-size file moved in with the old modification time (`touch -r`)
        // was served the old digest.
        let mtime = std::fs::metadata(&model).unwrap().modified().unwrap();
        let other = dir.path().join("other.gguf");
        std::fs::write(&other, b"other bytes").unwrap();
        let f = std::fs::File::options().write(true).open(&other).unwrap();
        f.set_modified(mtime).unwrap();
        drop(f);
        std::fs::rename(&other, &model).unwrap();
        let meta = std::fs::metadata(&model).unwrap();
        assert_eq!((meta.len(), meta.modified().unwrap()), (11, mtime));
        let d2 = content_digest(&model, ModelFormat::Gguf, Some(&cache)).unwrap();
        assert_eq!(d2, sha256_hex(b"other bytes"));

        // In place: same inode, same size, modification time set back.
        std::fs::write(&model, b"third bytes").unwrap();
        let f = std::fs::File::options().write(true).open(&model).unwrap();
        f.set_modified(mtime).unwrap();
        drop(f);
        let d3 = content_digest(&model, ModelFormat::Gguf, Some(&cache)).unwrap();
        assert_eq!(d3, sha256_hex(b"third bytes"));
    }
}
