//! Data files for BridgeX: a manifest of every file of the data folder (size, sha256,
//! licence, dataset, pinned upstream URL and how the file is made from it), a [`DataStore`]
//! that fetches files on demand from a local mirror or upstream and verifies them, and a
//! generic resumable, verified downloader also used for model files.
//!
//! * Data root: `$BRIDGEX_DATA_DIR`, else `~/.cache/bridgex/data`.
//! * Mirror: `$BRIDGEX_DATA_MIRROR` (or [`DataStore::new`]'s argument), a folder with the same
//!   layout (e.g. the project's `shared/data`). It is tried first; upstream is the fallback.
//! * Every fetched file is checked against the manifest's sha256 before it is moved into
//!   place; a wrong checksum is refused, fetched once more, then reported.
//!
//! ```rust
//! use fetch::{DataStore, Manifest, Transform};
//!
//! let manifest = Manifest::embedded()?;
//! let en_de = manifest.get("muse/full/en-de.txt")?;
//! assert_eq!(en_de.dataset, "muse");
//! // MUSE is stored upstream as hunalign `T @ S` lines; the download converts it back.
//! assert_eq!(en_de.transform, Transform::HunalignSwap { max_sources: None });
//!
//! // A store in an empty folder without mirror has nothing yet; `store.file(path)` would
//! // download, convert and verify the file.
//! let dir = tempfile::tempdir()?;
//! let store = DataStore::new(dir.path(), None)?;
//! assert!(!store.is_verified("muse/full/en-de.txt")?);
//!
//! // Checksums are plain sha256 in hex.
//! let p = dir.path().join("abc.txt");
//! std::fs::write(&p, "abc")?;
//! assert_eq!(
//!     fetch::sha256_file(&p)?,
//!     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod download;
mod error;
mod fsutil;
mod hash;
mod manifest;
mod store;
mod transform;

pub use download::download_verified;
pub use error::FetchError;
pub use fsutil::{FileLock, TEMP_PREFIX, write_atomic, write_atomic_with};
pub use hash::sha256_file;
pub use manifest::{Entry, FORMAT_VERSION, MANIFEST_FILE, Manifest, Transform};
pub use store::{DataStore, ENV_DATA_DIR, ENV_DATA_MIRROR, Ensured, Source, default_root};
