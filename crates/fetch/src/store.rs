//! The local data folder: files of the manifest, fetched on demand from a mirror or upstream.

use crate::download::fetch_url_to;
use crate::error::FetchError;
use crate::error::mirror_hint;
use crate::fsutil::{FileLock, create_parent, persist, remove_if_exists, temp_next_to};
use crate::hash::{hash_reader, sha256_bytes, sha256_file, stamp_matches, write_stamp};
use crate::manifest::{Entry, Manifest, Transform};
use crate::transform;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Environment variable naming the data root.
pub const ENV_DATA_DIR: &str = "BRIDGEX_DATA_DIR";
/// Environment variable naming a local mirror (a folder with the data root's layout).
pub const ENV_DATA_MIRROR: &str = "BRIDGEX_DATA_MIRROR";
/// Bookkeeping folder inside the data root: stamps, locks, upstream downloads.
const META_DIR: &str = ".bridgex";

/// Where a file returned by [`DataStore::ensure`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Already in the data root and verified.
    Present,
    /// Copied from the mirror.
    Mirror,
    /// Downloaded upstream (and converted, for a transformed file).
    Network,
}

/// A file made present by [`DataStore::ensure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ensured {
    pub path: PathBuf,
    pub source: Source,
}

/// The local data folder. Files are fetched on first use, copied from the mirror when one
/// is configured and has the file, otherwise downloaded from their pinned upstream URL
/// (and converted where the manifest says so). Every fetched file is checked against the
/// manifest's sha256 before it is moved into place.
///
/// A present file is trusted without re-hashing when its size matches and its stamp in
/// `ROOT/.bridgex/stamps/` was written for the same sha256 and the same file identity (size,
/// mtime, and on Unix inode and ctime). Otherwise it is hashed again; a mismatch removes it and
/// fetches it anew.
#[derive(Debug, Clone)]
pub struct DataStore {
    root: PathBuf,
    mirror: Option<PathBuf>,
    manifest: Manifest,
}

impl DataStore {
    /// Root from `$BRIDGEX_DATA_DIR`, else `~/.cache/bridgex/data`; mirror from
    /// `$BRIDGEX_DATA_MIRROR` if set. Empty variables count as unset.
    pub fn from_env() -> Result<DataStore, FetchError> {
        let root = match env_path(ENV_DATA_DIR) {
            Some(p) => p,
            None => default_root()?,
        };
        let mirror = env_path(ENV_DATA_MIRROR);
        if let Some(m) = &mirror
            && !m.is_dir()
        {
            return Err(FetchError::Config {
                var: ENV_DATA_MIRROR,
                value: m.display().to_string(),
                message: "is not a directory".into(),
            });
        }
        Ok(DataStore {
            root,
            mirror,
            manifest: Manifest::embedded()?.clone(),
        })
    }

    /// A store at `root` with an explicit mirror (or none), using the embedded manifest.
    pub fn new(root: impl Into<PathBuf>, mirror: Option<PathBuf>) -> Result<DataStore, FetchError> {
        if let Some(m) = &mirror
            && !m.is_dir()
        {
            return Err(FetchError::Config {
                var: "mirror",
                value: m.display().to_string(),
                message: "is not a directory".into(),
            });
        }
        Ok(DataStore {
            root: root.into(),
            mirror,
            manifest: Manifest::embedded()?.clone(),
        })
    }

    /// Use another manifest (tests, or a manifest for extra files).
    pub fn with_manifest(mut self, manifest: Manifest) -> DataStore {
        self.manifest = manifest;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn mirror(&self) -> Option<&Path> {
        self.mirror.as_deref()
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Ensure one file (path relative to the data root, same layout as the mirror, e.g.
    /// "muse/full/en-de.txt") is present and verified; returns its absolute path.
    pub fn file(&self, rel: &str) -> Result<PathBuf, FetchError> {
        self.ensure(rel).map(|e| e.path)
    }

    /// Ensure every file of a dataset ("muse", "flores200", "sib200", "xcopa", "panlex-bli",
    /// "belebele", "swahili", or "docs" for the README files). Returns the folder holding
    /// it: `root/NAME` for a dataset, the root itself for "docs".
    pub fn dataset(&self, name: &str) -> Result<PathBuf, FetchError> {
        let entries = self.manifest.dataset(name)?;
        for e in &entries {
            self.ensure(&e.path)?;
        }
        // The deepest folder containing all files of the dataset.
        let mut common: Vec<&str> = entries[0].path.split('/').collect();
        common.pop();
        for e in &entries[1..] {
            let parts: Vec<&str> = e.path.split('/').collect();
            let same = common
                .iter()
                .zip(&parts)
                .take_while(|(a, b)| a == b)
                .count();
            common.truncate(same.min(parts.len() - 1));
        }
        Ok(common.iter().fold(self.root.clone(), |p, c| p.join(c)))
    }

    /// Like [`DataStore::file`], also telling where the file came from.
    pub fn ensure(&self, rel: &str) -> Result<Ensured, FetchError> {
        let entry = self.manifest.get(rel)?;
        let dest = self.root.join(rel);
        if self.verify_present(entry, &dest, true)? {
            return Ok(Ensured {
                path: dest,
                source: Source::Present,
            });
        }
        let _lock = FileLock::acquire(self.meta(rel, "locks", ".lock"))?;
        // Another thread or process may have fetched it while we waited.
        if self.verify_present(entry, &dest, true)? {
            return Ok(Ensured {
                path: dest,
                source: Source::Present,
            });
        }
        let mut first_error = None;
        for _ in 0..2 {
            match self.fetch_once(entry, &dest) {
                Ok(source) => {
                    self.stamp(entry, &dest);
                    return Ok(Ensured { path: dest, source });
                }
                // Wrong bytes are refused, and fetched once more before giving up.
                Err(e) if e.is_checksum_mismatch() && first_error.is_none() => {
                    tracing::warn!("{e}; fetching {rel} again");
                    first_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(first_error.unwrap_or_else(|| FetchError::Network {
            url: entry.url.clone().unwrap_or_default(),
            reason: "gave up".into(),
        }))
    }

    /// True if the file is in the data root with the manifest's bytes (hashing it unless a
    /// valid stamp vouches for it). Changes nothing except writing a missing stamp.
    pub fn is_verified(&self, rel: &str) -> Result<bool, FetchError> {
        let entry = self.manifest.get(rel)?;
        self.verify_present(entry, &self.root.join(rel), false)
    }

    /// Remove the cache of upstream downloads kept for converted files
    /// (`ROOT/.bridgex/upstream`); returns the bytes freed.
    pub fn clear_upstream_cache(&self) -> Result<u64, FetchError> {
        let dir = self.root.join(META_DIR).join("upstream");
        let Ok(list) = fs::read_dir(&dir) else {
            return Ok(0);
        };
        let mut freed = 0;
        for item in list {
            let item = item.map_err(|e| FetchError::io("cannot list", &dir, e))?;
            let path = item.path();
            if path.is_file() {
                freed += item.metadata().map_or(0, |m| m.len());
                remove_if_exists(&path)?;
            }
        }
        Ok(freed)
    }

    /// `ROOT/.bridgex/KIND/REL[SUFFIX]`
    fn meta(&self, rel: &str, kind: &str, suffix: &str) -> PathBuf {
        self.root
            .join(META_DIR)
            .join(kind)
            .join(format!("{rel}{suffix}"))
    }

    fn stamp(&self, entry: &Entry, dest: &Path) {
        // A read-only root (e.g. the mirror itself) cannot hold stamps; files are then
        // re-hashed on each run, which is correct, just slower.
        if let Err(e) = write_stamp(&self.meta(&entry.path, "stamps", ""), dest, &entry.sha256) {
            tracing::debug!("no verification stamp for {}: {e}", entry.path);
        }
    }

    fn verify_present(
        &self,
        entry: &Entry,
        dest: &Path,
        remove_bad: bool,
    ) -> Result<bool, FetchError> {
        let meta = match fs::metadata(dest) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(FetchError::io("cannot stat", dest, e)),
        };
        let ok = meta.len() == entry.size
            && (stamp_matches(&self.meta(&entry.path, "stamps", ""), dest, &entry.sha256)
                || sha256_file(dest)? == entry.sha256);
        if ok {
            self.stamp(entry, dest);
        } else if remove_bad {
            tracing::warn!(
                "{}: not the manifest's bytes; fetching it again",
                dest.display()
            );
            remove_if_exists(dest)?;
        }
        Ok(ok)
    }

    fn fetch_once(&self, entry: &Entry, dest: &Path) -> Result<Source, FetchError> {
        if let Some(mirror) = &self.mirror {
            let src = mirror.join(&entry.path);
            if src.is_file() {
                copy_verified(&src, dest, entry)?;
                return Ok(Source::Mirror);
            }
            tracing::info!(
                "mirror {} has no {}; trying upstream",
                mirror.display(),
                entry.path
            );
        }
        let hint = mirror_hint(self.mirror.as_deref(), &entry.path);
        let unavailable = |e: FetchError| FetchError::Unavailable {
            path: entry.path.clone(),
            dataset: entry.dataset.clone(),
            source: Box::new(e),
            hint: hint.clone(),
        };
        let url = match (&entry.transform, &entry.url) {
            (Transform::MirrorOnly { note }, _) => {
                return Err(FetchError::MirrorOnly {
                    path: entry.path.clone(),
                    dataset: entry.dataset.clone(),
                    note: note.clone(),
                    hint: hint.clone(),
                });
            }
            (_, Some(url)) => url,
            // The manifest validation requires a URL for every other transform.
            (_, None) => {
                return Err(unavailable(FetchError::Network {
                    url: String::new(),
                    reason: "no URL".into(),
                }));
            }
        };
        let result = match &entry.transform {
            Transform::Identity => fetch_url_to(
                url,
                dest,
                Some(&entry.sha256),
                Some(entry.size),
                &entry.path,
            )
            .map(drop),
            other => self.convert(entry, url, other, dest),
        };
        match result {
            Ok(()) => Ok(Source::Network),
            Err(e) if e.is_checksum_mismatch() => Err(e),
            Err(e @ FetchError::Io { .. }) => Err(e),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Build `dest` from upstream bytes with a transform, then verify it.
    fn convert(
        &self,
        entry: &Entry,
        url: &str,
        how: &Transform,
        dest: &Path,
    ) -> Result<(), FetchError> {
        let input = self.upstream(url)?;
        let bytes = match how {
            Transform::HunalignSwap { max_sources } => {
                transform::hunalign_swap(&input, *max_sources, url)?
            }
            Transform::ZipMember { member } => transform::zip_member(&input, member, url)?,
            Transform::WiktionaryBli => transform::wiktionary_bli(&input, url)?,
            Transform::WiktionaryBliReverse { rank_url } => {
                let rank = self.upstream(rank_url)?;
                transform::wiktionary_bli_reverse(&input, url, &rank, rank_url)?
            }
            Transform::Identity | Transform::MirrorOnly { .. } => input,
        };
        let got = sha256_bytes(&bytes);
        if got != entry.sha256 || bytes.len() as u64 != entry.size {
            // The cached upstream bytes may be the culprit: drop them so a retry re-downloads.
            self.forget_upstream(url)?;
            if let Transform::WiktionaryBliReverse { rank_url } = how {
                self.forget_upstream(rank_url)?;
            }
            return Err(FetchError::ChecksumMismatch {
                what: format!("{} converted ({}) from {url}", entry.path, how.name()),
                expected: entry.sha256.clone(),
                actual: got,
                expected_size: Some(entry.size),
                actual_size: bytes.len() as u64,
            });
        }
        let mut tmp = temp_next_to(dest)?;
        tmp.write_all(&bytes)
            .map_err(|e| FetchError::io("cannot write", tmp.path(), e))?;
        persist(tmp, dest)
    }

    /// Where an upstream download is cached: one file per URL.
    fn upstream_path(&self, url: &str) -> PathBuf {
        let base: String = url
            .rsplit('/')
            .next()
            .unwrap_or("file")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let key = &sha256_bytes(url.as_bytes())[..16];
        self.root
            .join(META_DIR)
            .join("upstream")
            .join(format!("{key}-{base}"))
    }

    /// The bytes at `url`, downloaded once and shared by the files built from it (a zip
    /// holds many lexicons). Correctness rests on the final file's sha256, checked by the caller.
    fn upstream(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let path = self.upstream_path(url);
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let _lock = FileLock::acquire(
            self.root
                .join(META_DIR)
                .join("locks")
                .join(format!("{name}.lock")),
        )?;
        if !path.is_file() {
            fetch_url_to(url, &path, None, None, url)?;
        }
        fs::read(&path).map_err(|e| FetchError::io("cannot read", &path, e))
    }

    fn forget_upstream(&self, url: &str) -> Result<(), FetchError> {
        remove_if_exists(&self.upstream_path(url))
    }
}

/// Copy a mirror file into place, hashing on the way; wrong bytes never reach `dest`.
fn copy_verified(src: &Path, dest: &Path, entry: &Entry) -> Result<(), FetchError> {
    create_parent(dest)?;
    let mut input = File::open(src).map_err(|e| FetchError::io("cannot open", src, e))?;
    let mut tmp = temp_next_to(dest)?;
    let mut hasher = Sha256::new();
    let mut tee = Tee {
        inner: &mut input,
        out: tmp.as_file_mut(),
        err: None,
    };
    let copied = hash_reader(&mut tee, &mut hasher);
    if let Some(e) = tee.err.take() {
        return Err(FetchError::io("cannot write", dest, e));
    }
    let size = copied.map_err(|e| FetchError::io("cannot read", src, e))?;
    let got = hex::encode(hasher.finalize());
    if got != entry.sha256 || size != entry.size {
        return Err(FetchError::ChecksumMismatch {
            what: format!("mirror file {}", src.display()),
            expected: entry.sha256.clone(),
            actual: got,
            expected_size: Some(entry.size),
            actual_size: size,
        });
    }
    persist(tmp, dest)
}

/// A reader that writes what it reads to `out` (write errors kept aside).
struct Tee<'a, R: Read, W: Write> {
    inner: &'a mut R,
    out: &'a mut W,
    err: Option<std::io::Error>,
}

impl<R: Read, W: Write> Read for Tee<'_, R, W> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Err(e) = self.out.write_all(&buf[..n]) {
            self.err = Some(e);
            // Stop the copy: report end of input, the caller checks `err` first.
            return Ok(0);
        }
        Ok(n)
    }
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `~/.cache/bridgex/data`.
pub fn default_root() -> Result<PathBuf, FetchError> {
    let home = env_path("HOME")
        .or_else(|| env_path("USERPROFILE"))
        .ok_or(FetchError::Config {
            var: ENV_DATA_DIR,
            value: String::new(),
            message: "is unset and so is HOME, so there is no default data folder; set it".into(),
        })?;
    Ok(home.join(".cache").join("bridgex").join("data"))
}
