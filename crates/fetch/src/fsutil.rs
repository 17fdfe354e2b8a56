//! Atomic writes and an inter-process lock, both in the target's own directory.

use crate::FetchError;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

pub(crate) fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

pub(crate) fn create_parent(path: &Path) -> Result<(), FetchError> {
    let dir = parent_of(path);
    fs::create_dir_all(dir).map_err(|e| FetchError::io("cannot create directory", dir, e))
}

/// Prefix of every temporary file the project writes: readers skip such files, and a store may
/// delete old ones (left by a killed process).
pub const TEMP_PREFIX: &str = ".tmp-";

/// A temporary file next to `dest` (same filesystem, so the final rename is atomic), keeping
/// `dest`'s extension (image encoders choose the format from it).
pub(crate) fn temp_next_to(dest: &Path) -> Result<tempfile::NamedTempFile, FetchError> {
    create_parent(dest)?;
    let name = dest
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let suffix = dest.extension().map_or_else(
        || ".tmp".to_string(),
        |e| format!(".tmp.{}", e.to_string_lossy()),
    );
    tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{name}."))
        .suffix(&suffix)
        .tempfile_in(parent_of(dest))
        .map_err(|e| FetchError::io("cannot create temporary file next to", dest, e))
}

/// Flush `tmp` to disk and move it over `dest` in one step. The file gets the usual mode of a
/// new file (tempfile creates it private to the user).
pub(crate) fn persist(tmp: tempfile::NamedTempFile, dest: &Path) -> Result<(), FetchError> {
    tmp.as_file()
        .sync_all()
        .map_err(|e| FetchError::io("cannot sync", tmp.path(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o644))
            .map_err(|e| FetchError::io("cannot set the permissions of", tmp.path(), e))?;
    }
    tmp.persist(dest)
        .map_err(|e| FetchError::io("cannot rename into", dest, e.error))?;
    Ok(())
}

/// Write `bytes` to `dest` so that a reader sees the old file or the whole new one, never a
/// part: a temporary file in the same directory, synced, then renamed over `dest`. Parent
/// directories are created.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<(), FetchError> {
    let mut tmp = temp_next_to(dest)?;
    tmp.write_all(bytes)
        .map_err(|e| FetchError::io("cannot write", tmp.path(), e))?;
    persist(tmp, dest)
}

pub(crate) fn remove_if_exists(path: &Path) -> Result<(), FetchError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(FetchError::io("cannot remove", path, e)),
    }
}

/// `dir/.name.suffix` for `dir/name`.
pub(crate) fn hidden_sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    parent_of(path).join(format!(".{name}.{suffix}"))
}

/// An exclusive lock held through a lock file, removed again on release.
///
/// Removing the file is safe because a waiter that wakes up holding a lock on an unlinked
/// file notices (the path no longer names its inode) and starts over.
pub struct FileLock {
    file: File,
    path: PathBuf,
}

impl FileLock {
    /// Take the lock at `path`, waiting for its holder if there is one.
    pub fn acquire(path: PathBuf) -> Result<FileLock, FetchError> {
        FileLock::acquire_announced(path, || {})
    }

    /// Take the lock at `path`; if another process holds it, call `on_wait` once (to say
    /// what is being waited for) and wait.
    pub fn acquire_announced(
        path: PathBuf,
        on_wait: impl FnOnce(),
    ) -> Result<FileLock, FetchError> {
        create_parent(&path)?;
        let mut on_wait = Some(on_wait);
        loop {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| FetchError::io("cannot open lock file", &path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    if let Some(f) = on_wait.take() {
                        f();
                    }
                    file.lock()
                        .map_err(|e| FetchError::io("cannot lock", &path, e))?;
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(FetchError::io("cannot lock", &path, e));
                }
            }
            if same_file(&file, &path) {
                return Ok(FileLock { file, path });
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Unlink while still holding the lock, then unlock; see the type's comment.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    // Windows cannot delete a file another handle has open, so the path still names it.
    path.exists()
}

/// Produce `dest` through a writer that needs a path (image encoders), atomically: `write`
/// fills a temporary path with `dest`'s extension in the same directory, which is then synced
/// and renamed onto `dest`.
pub fn write_atomic_with<E: From<FetchError>>(
    dest: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), E> {
    let tmp = temp_next_to(dest)?;
    write(tmp.path())?;
    persist(tmp, dest)?;
    Ok(())
}
