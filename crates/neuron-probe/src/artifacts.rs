//! Content-addressed, crash-safe storage of stage outputs.
//!
//! An artifact is `<root>/<kind>/<label>-<key16>.safetensors` (tensors, optional) plus
//! `<label>-<key16>.json` (metadata). The key is the sha256 of the canonical JSON of everything
//! that determines the output (model digest, data digests, parameters), so the same inputs find
//! the same artifact and any change misses it. Both files are written to a temp file in the same
//! directory and renamed; the JSON goes LAST and records the tensor file's sha256, so it is the
//! commit marker: tensors without JSON, a temp file, or a JSON whose digest does not match the
//! tensors are never trusted (the stage recomputes and overwrites them).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ProbeError, Result};

/// Environment variable naming the artifacts directory.
pub const ARTIFACTS_ENV: &str = "BRIDGEX_ARTIFACTS_DIR";
const FORMAT: &str = "bridgex-artifact";
const FORMAT_VERSION: u32 = 1;
/// Prefix of the temp files of in-flight writes.
use fetch::TEMP_PREFIX;
/// A temp file this old is left over from a crash (writes take milliseconds) and is removed.
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// A tensor held on the host, as stored in safetensors (little-endian).
#[derive(Debug, Clone, PartialEq)]
pub enum Tensor {
    F32 { shape: Vec<usize>, data: Vec<f32> },
    F64 { shape: Vec<usize>, data: Vec<f64> },
    U64 { shape: Vec<usize>, data: Vec<u64> },
}

impl Tensor {
    pub fn shape(&self) -> &[usize] {
        match self {
            Tensor::F32 { shape, .. } | Tensor::F64 { shape, .. } | Tensor::U64 { shape, .. } => {
                shape
            }
        }
    }

    fn len(&self) -> usize {
        match self {
            Tensor::F32 { data, .. } => data.len(),
            Tensor::F64 { data, .. } => data.len(),
            Tensor::U64 { data, .. } => data.len(),
        }
    }

    fn dtype(&self) -> safetensors::Dtype {
        match self {
            Tensor::F32 { .. } => safetensors::Dtype::F32,
            Tensor::F64 { .. } => safetensors::Dtype::F64,
            Tensor::U64 { .. } => safetensors::Dtype::U64,
        }
    }

    fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            Tensor::F32 { data, .. } => data.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Tensor::F64 { data, .. } => data.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Tensor::U64 { data, .. } => data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        }
    }

    fn from_view(view: &safetensors::tensor::TensorView<'_>) -> std::result::Result<Self, String> {
        let shape = view.shape().to_vec();
        let bytes = view.data();
        Ok(match view.dtype() {
            safetensors::Dtype::F32 => Tensor::F32 {
                shape,
                data: bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            },
            safetensors::Dtype::F64 => Tensor::F64 {
                shape,
                data: bytes
                    .chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                    .collect(),
            },
            safetensors::Dtype::U64 => Tensor::U64 {
                shape,
                data: bytes
                    .chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
                    .collect(),
            },
            other => return Err(format!("unsupported dtype {other:?}")),
        })
    }
}

/// Where the tensors of an artifact live and what they hash to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorFileInfo {
    /// File name, relative to the JSON file's directory.
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
}

/// The JSON side of an artifact.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub format: String,
    pub format_version: u32,
    pub kind: String,
    pub key: String,
    pub producer: String,
    /// Everything the key was computed from (model identity, data digests, parameters).
    pub inputs: serde_json::Value,
    pub tensors: Option<TensorFileInfo>,
    /// Stage-specific results that are not tensors.
    pub payload: T,
}

/// An artifact read back from disk.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub envelope: Envelope<T>,
    pub tensors: HashMap<String, Tensor>,
    pub json_path: PathBuf,
}

impl<T> Loaded<T> {
    /// Take a tensor by name, checking its shape.
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Result<Tensor> {
        let t = self.tensors.remove(name).ok_or_else(|| {
            ProbeError::artifact(&self.json_path, format!("tensor `{name}` is missing"))
        })?;
        if t.shape() != shape {
            return Err(ProbeError::artifact(
                &self.json_path,
                format!(
                    "tensor `{name}` has shape {:?}, expected {shape:?}",
                    t.shape()
                ),
            ));
        }
        Ok(t)
    }
}

/// The sha256 (hex) of the canonical JSON of `inputs`: object keys sorted, no whitespace.
pub fn key_of(kind: &str, inputs: &serde_json::Value) -> String {
    // serde_json's Map is a BTreeMap (no `preserve_order` feature), so `to_string` is canonical.
    let canonical =
        serde_json::json!({ "kind": kind, "format_version": FORMAT_VERSION, "inputs": inputs });
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// A directory of artifacts.
#[derive(Debug, Clone)]
pub struct ArtifactStore {
    root: PathBuf,
}

impl ArtifactStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        ArtifactStore { root: root.into() }
    }

    /// `$BRIDGEX_ARTIFACTS_DIR`, else `~/.cache/bridgex/artifacts`.
    pub fn from_env() -> Result<Self> {
        if let Some(dir) = std::env::var_os(ARTIFACTS_ENV).filter(|d| !d.is_empty()) {
            return Ok(ArtifactStore::new(dir));
        }
        let home = std::env::home_dir().ok_or_else(|| {
            ProbeError::param(
                "artifacts_dir",
                format!("no home directory; set {ARTIFACTS_ENV} to choose where artifacts go"),
            )
        })?;
        Ok(ArtifactStore::new(home.join(".cache/bridgex/artifacts")))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn paths(&self, kind: &str, label: &str, key: &str) -> (PathBuf, PathBuf) {
        let dir = self.root.join(sanitize(kind));
        let stem = format!("{}-{}", sanitize(label), &key[..key.len().min(16)]);
        (
            dir.join(format!("{stem}.json")),
            dir.join(format!("{stem}.safetensors")),
        )
    }

    /// Path of the JSON marker an artifact has (or would have).
    pub fn json_path(&self, kind: &str, label: &str, key: &str) -> PathBuf {
        self.paths(kind, label, key).0
    }

    /// Read a committed artifact. `Ok(None)` when there is none or when what is on disk cannot
    /// be trusted (reported as a warning; the caller recomputes and overwrites it).
    pub fn load<T: DeserializeOwned>(
        &self,
        kind: &str,
        label: &str,
        key: &str,
    ) -> Result<Option<Loaded<T>>> {
        let (json_path, _) = self.paths(kind, label, key);
        // A store that cannot be read (a file where the folder should be, no permission) is
        // an error now, not a reason to recompute for hours and then fail to save.
        if let Err(e) = fs::metadata(&json_path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(self.unusable(&json_path, e));
        }
        match self.try_load(&json_path, kind, key) {
            Ok(found) => Ok(found),
            Err(e) => {
                tracing::warn!("ignoring untrusted artifact: {e}");
                Ok(None)
            }
        }
    }

    fn try_load<T: DeserializeOwned>(
        &self,
        json_path: &Path,
        kind: &str,
        key: &str,
    ) -> Result<Option<Loaded<T>>> {
        let text = match fs::read_to_string(json_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ProbeError::io(json_path, e)),
        };
        let envelope: Envelope<T> =
            serde_json::from_str(&text).map_err(|source| ProbeError::Json {
                path: json_path.to_path_buf(),
                source,
            })?;
        if envelope.format != FORMAT || envelope.format_version != FORMAT_VERSION {
            return Err(ProbeError::artifact(
                json_path,
                format!(
                    "format `{}` v{}, expected `{FORMAT}` v{FORMAT_VERSION}",
                    envelope.format, envelope.format_version
                ),
            ));
        }
        if envelope.kind != kind || envelope.key != key {
            return Err(ProbeError::artifact(
                json_path,
                format!(
                    "holds {} `{}`, expected {kind} `{key}`",
                    envelope.kind, envelope.key
                ),
            ));
        }
        let mut tensors = HashMap::new();
        if let Some(info) = &envelope.tensors {
            let dir = json_path.parent().unwrap_or(Path::new("."));
            let tpath = dir.join(&info.file);
            let bytes = fs::read(&tpath).map_err(|e| ProbeError::io(&tpath, e))?;
            let digest = hex::encode(Sha256::digest(&bytes));
            if digest != info.sha256 {
                return Err(ProbeError::artifact(
                    &tpath,
                    format!("sha256 {digest}, the JSON marker expects {}", info.sha256),
                ));
            }
            let st = safetensors::SafeTensors::deserialize(&bytes)
                .map_err(|e| ProbeError::artifact(&tpath, e.to_string()))?;
            for (name, view) in st.tensors() {
                let t = Tensor::from_view(&view)
                    .map_err(|e| ProbeError::artifact(&tpath, format!("tensor `{name}`: {e}")))?;
                tensors.insert(name, t);
            }
        }
        Ok(Some(Loaded {
            envelope,
            tensors,
            json_path: json_path.to_path_buf(),
        }))
    }

    /// Hold the right to compute the artifact `(kind, label, key)`: a second process asking for
    /// it waits, saying so, and then finds the artifact made. Released on drop.
    pub fn lock(&self, kind: &str, label: &str, key: &str) -> Result<fetch::FileLock> {
        let (json_path, _) = self.paths(kind, label, key);
        let lock = json_path.with_extension("lock");
        Ok(fetch::FileLock::acquire_announced(lock.clone(), || {
            tracing::warn!(
                "waiting for another run that is computing {kind} `{label}` ({})",
                lock.display()
            );
        })?)
    }

    /// Delete the artifact `(kind, label, key)` if there is one (a checkpoint once the
    /// finished artifact is saved).
    pub fn remove(&self, kind: &str, label: &str, key: &str) -> Result<()> {
        let (json_path, tpath) = self.paths(kind, label, key);
        // The marker first: without it the tensors are never trusted.
        for p in [json_path, tpath] {
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ProbeError::io(&p, e)),
            }
        }
        Ok(())
    }

    /// Check that artifacts of `kind` can be written, before computing them: creates their
    /// folder and writes and removes a probe file there.
    pub fn ensure_writable(&self, kind: &str) -> Result<()> {
        let dir = self.root.join(sanitize(kind));
        fs::create_dir_all(&dir).map_err(|e| self.unusable(&dir, e))?;
        let probe = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(&dir)
            .map_err(|e| self.unusable(&dir, e))?;
        drop(probe);
        Ok(())
    }

    fn unusable(&self, path: &Path, e: std::io::Error) -> ProbeError {
        ProbeError::param(
            "artifacts_dir",
            format!(
                "{} cannot be used for artifacts ({e}); choose another folder with --artifacts-dir or {ARTIFACTS_ENV}",
                path.display()
            ),
        )
    }

    /// Write an artifact: tensors first, JSON marker last, each atomically.
    pub fn save<T: Serialize>(
        &self,
        kind: &str,
        label: &str,
        key: &str,
        inputs: &serde_json::Value,
        payload: &T,
        tensors: &[(&str, &Tensor)],
    ) -> Result<PathBuf> {
        let (json_path, tpath) = self.paths(kind, label, key);
        let dir = json_path.parent().unwrap_or(Path::new(".")).to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| ProbeError::io(&dir, e))?;
        remove_stale_temps(&dir);
        let tensor_info = if tensors.is_empty() {
            None
        } else {
            let owned: Vec<(String, Vec<u8>, &Tensor)> = tensors
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_le_bytes(), *t))
                .collect();
            let mut views = Vec::with_capacity(owned.len());
            for (name, bytes, t) in &owned {
                if t.shape().iter().product::<usize>() != t.len() {
                    return Err(ProbeError::artifact(
                        &tpath,
                        format!(
                            "tensor `{name}`: shape {:?} does not hold {} values",
                            t.shape(),
                            t.len()
                        ),
                    ));
                }
                let view =
                    safetensors::tensor::TensorView::new(t.dtype(), t.shape().to_vec(), bytes)
                        .map_err(|e| {
                            ProbeError::artifact(&tpath, format!("tensor `{name}`: {e}"))
                        })?;
                views.push((name.clone(), view));
            }
            let bytes = safetensors::serialize(views, None)
                .map_err(|e| ProbeError::artifact(&tpath, e.to_string()))?;
            fetch::write_atomic(&tpath, &bytes)?;
            Some(TensorFileInfo {
                file: file_name(&tpath),
                sha256: hex::encode(Sha256::digest(&bytes)),
                bytes: bytes.len() as u64,
            })
        };
        let envelope = Envelope {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            kind: kind.to_string(),
            key: key.to_string(),
            producer: concat!("neuron-probe ", env!("CARGO_PKG_VERSION")).to_string(),
            inputs: inputs.clone(),
            tensors: tensor_info,
            payload,
        };
        let json = serde_json::to_vec_pretty(&envelope).map_err(|source| ProbeError::Json {
            path: json_path.clone(),
            source,
        })?;
        fetch::write_atomic(&json_path, &json)?;
        Ok(json_path)
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Keep labels file-system safe: letters, digits, `-`, `_`, `.`.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Remove temp files of writes that crashed long ago. Best effort: a failure only leaves litter,
/// and temp files are never read as artifacts anyway.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_TEMP_AGE);
        if stale && fs::remove_file(entry.path()).is_ok() {
            tracing::debug!("removed stale temp file {}", entry.path().display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store() -> (tempfile::TempDir, ArtifactStore) {
        let dir = tempfile::tempdir().unwrap();
        let s = ArtifactStore::new(dir.path());
        (dir, s)
    }

    #[test]
    fn key_is_canonical_and_sensitive() {
        let a = key_of("k", &json!({"a": 1, "b": [1, 2]}));
        let b = key_of("k", &json!({"b": [1, 2], "a": 1}));
        assert_eq!(a, b);
        assert_ne!(a, key_of("k", &json!({"a": 2, "b": [1, 2]})));
        assert_ne!(a, key_of("other", &json!({"a": 1, "b": [1, 2]})));
    }

    #[test]
    fn round_trip_all_dtypes() {
        let (_d, s) = store();
        let inputs = json!({"x": 1});
        let key = key_of("t", &inputs);
        let f = Tensor::F32 {
            shape: vec![2, 2],
            data: vec![1.0, -2.5, 3.0, f32::MIN_POSITIVE],
        };
        let d = Tensor::F64 {
            shape: vec![3],
            data: vec![0.1, 0.2, 1e300],
        };
        let u = Tensor::U64 {
            shape: vec![1, 2],
            data: vec![u64::MAX, 7],
        };
        s.save(
            "t",
            "lbl/x",
            &key,
            &inputs,
            &json!({"n": 5}),
            &[("f", &f), ("d", &d), ("u", &u)],
        )
        .unwrap();
        let mut l = s
            .load::<serde_json::Value>("t", "lbl/x", &key)
            .unwrap()
            .unwrap();
        assert_eq!(l.envelope.payload, json!({"n": 5}));
        assert_eq!(l.take("f", &[2, 2]).unwrap(), f);
        assert_eq!(l.take("d", &[3]).unwrap(), d);
        assert!(l.take("u", &[2, 1]).is_err());
    }

    #[test]
    fn an_unusable_store_is_an_error_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the store's folder should be.
        let file = dir.path().join("not-a-dir");
        fs::write(&file, b"x").unwrap();
        let store = ArtifactStore::new(&file);
        let e = store
            .ensure_writable("language-stats")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not-a-dir") && e.contains("--artifacts-dir"),
            "{e}"
        );
        let Err(e) = store.load::<serde_json::Value>("language-stats", "sw", "0123456789abcdef")
        else {
            panic!("a load through a file is an error, not a miss");
        };
        let e = e.to_string();
        assert!(e.contains("--artifacts-dir"), "{e}");
        // A usable one is left as it was.
        let ok = ArtifactStore::new(dir.path().join("a"));
        ok.ensure_writable("probe").unwrap();
        assert_eq!(fs::read_dir(dir.path().join("a/probe")).unwrap().count(), 0);
    }

    #[test]
    fn stale_temp_files_are_removed_fresh_ones_kept() {
        let (d, s) = store();
        let dir = d.path().join("t");
        fs::create_dir_all(&dir).unwrap();
        let old = dir.join(".tmp-old");
        let fresh = dir.join(".tmp-fresh");
        fs::write(&old, b"half").unwrap();
        fs::write(&fresh, b"half").unwrap();
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        let inputs = json!({"x": 9});
        s.save("t", "a", &key_of("t", &inputs), &inputs, &json!(null), &[])
            .unwrap();
        assert!(!old.exists());
        assert!(fresh.exists(), "may belong to a write in progress");
    }

    #[test]
    fn tensors_without_marker_or_with_bad_digest_are_not_trusted() {
        let (_d, s) = store();
        let inputs = json!({"x": 2});
        let key = key_of("t", &inputs);
        let f = Tensor::F32 {
            shape: vec![1],
            data: vec![1.0],
        };
        let json_path = s
            .save("t", "a", &key, &inputs, &json!(null), &[("f", &f)])
            .unwrap();
        let tpath = json_path.with_extension("safetensors");
        // Corrupt the tensors: digest no longer matches the marker.
        let mut bytes = fs::read(&tpath).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        fs::write(&tpath, &bytes).unwrap();
        assert!(
            s.load::<serde_json::Value>("t", "a", &key)
                .unwrap()
                .is_none()
        );
        // Marker missing (crash between the two renames): not trusted either.
        fs::remove_file(&json_path).unwrap();
        assert!(
            s.load::<serde_json::Value>("t", "a", &key)
                .unwrap()
                .is_none()
        );
        // A marker of another key under this name is rejected.
        let other = key_of("t", &json!({"x": 3}));
        s.save("t", "a", &other, &json!({"x": 3}), &json!(null), &[])
            .unwrap();
        let wrong = s.json_path("t", "a", &other);
        fs::copy(&wrong, s.json_path("t", "a", &key)).unwrap();
        assert!(
            s.load::<serde_json::Value>("t", "a", &key)
                .unwrap()
                .is_none()
        );
    }
}
