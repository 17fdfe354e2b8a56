//! Read-only file bytes: memory-mapped where possible (weights of an 8B model do not fit in RAM
//! twice), owned otherwise (tests, fuzzing, in-memory files).

use std::fs::File;
use std::ops::Deref;
use std::path::Path;

use crate::error::{Error, Result};

/// The bytes of a model file.
pub enum FileBytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl FileBytes {
    /// Map `path` read-only; falls back to reading it when mapping is not possible (e.g. empty
    /// files, which cannot be mapped on every platform).
    pub fn open(path: &Path) -> Result<FileBytes> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len == 0 {
            return Ok(FileBytes::Owned(Vec::new()));
        }
        match map(&file) {
            Ok(m) => Ok(FileBytes::Mapped(m)),
            Err(_) => std::fs::read(path)
                .map(FileBytes::Owned)
                .map_err(|e| Error::io(path, e)),
        }
    }
}

// One of the crate's four unsafe places (ARCHITECTURE.md). SAFETY: the map is read-only and
// model files are not modified while a model is loaded (the default-model cache writes through
// temp file + rename, which never changes the bytes of an inode already mapped). Reading a 16 GB
// checkpoint into memory instead would double peak memory at load.
#[allow(unsafe_code)]
fn map(file: &File) -> std::io::Result<memmap2::Mmap> {
    unsafe { memmap2::Mmap::map(file) }
}

impl Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(m) => m,
            FileBytes::Owned(v) => v,
        }
    }
}

impl std::fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            FileBytes::Mapped(_) => "mapped",
            FileBytes::Owned(_) => "owned",
        };
        write!(f, "FileBytes({kind}, {} bytes)", self.len())
    }
}
