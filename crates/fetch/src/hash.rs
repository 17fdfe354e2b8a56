//! sha256 of files and the "verified" stamps that spare re-hashing unchanged files.

use crate::FetchError;
use crate::fsutil::write_atomic;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

/// Lower-case hex sha256 of a file's bytes.
pub fn sha256_file(path: &Path) -> Result<String, FetchError> {
    let mut file = File::open(path).map_err(|e| FetchError::io("cannot open", path, e))?;
    let mut hasher = Sha256::new();
    hash_reader(&mut file, &mut hasher).map_err(|e| FetchError::io("cannot read", path, e))?;
    Ok(hex::encode(hasher.finalize()))
}

/// Lower-case hex sha256 of bytes in memory.
pub(crate) fn sha256_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn hash_reader(r: &mut impl Read, hasher: &mut Sha256) -> io::Result<u64> {
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
    }
}

/// The file identity a stamp is keyed on: size, modification time and, on Unix, inode and
/// change time. Any rewrite of the file changes at least one of them, so a stamp whose key
/// still matches vouches for bytes that were hashed earlier.
fn identity(path: &Path) -> io::Result<String> {
    let meta = fs::metadata(path)?;
    let mtime = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let extra = {
        use std::os::unix::fs::MetadataExt;
        format!(
            " ino={} ctime={}.{:09}",
            meta.ino(),
            meta.ctime(),
            meta.ctime_nsec()
        )
    };
    #[cfg(not(unix))]
    let extra = String::new();
    Ok(format!("size={} mtime={mtime}{extra}", meta.len()))
}

/// Record that `file` was verified to have `sha256`.
pub(crate) fn write_stamp(stamp: &Path, file: &Path, sha256: &str) -> Result<(), FetchError> {
    let id = identity(file).map_err(|e| FetchError::io("cannot stat", file, e))?;
    write_atomic(stamp, format!("sha256={sha256} {id}\n").as_bytes())
}

/// True when `stamp` says `file`, unchanged since, has `sha256`. Any problem reads as "no".
pub(crate) fn stamp_matches(stamp: &Path, file: &Path, sha256: &str) -> bool {
    let (Ok(text), Ok(id)) = (fs::read_to_string(stamp), identity(file)) else {
        return false;
    };
    text.trim_end() == format!("sha256={sha256} {id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_known_vectors() {
        // FIPS 180-2 test vectors.
        assert_eq!(
            sha256_bytes(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_bytes(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m");
        // One million 'a': a multi-buffer input.
        fs::write(&p, vec![b'a'; 1_000_000]).unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn stamp_detects_rewrite() {
        let dir = tempfile::tempdir().unwrap();
        let (f, s) = (dir.path().join("f"), dir.path().join("f.stamp"));
        fs::write(&f, b"hello").unwrap();
        write_stamp(&s, &f, "x").unwrap();
        assert!(stamp_matches(&s, &f, "x"));
        assert!(!stamp_matches(&s, &f, "y"));
        // Same size, new bytes: the file identity changes (new inode via rename, like any
        // atomic writer; an in-place write changes mtime/ctime).
        let tmp = dir.path().join("g");
        fs::write(&tmp, b"world").unwrap();
        fs::rename(&tmp, &f).unwrap();
        assert!(!stamp_matches(&s, &f, "x"));
    }
}
