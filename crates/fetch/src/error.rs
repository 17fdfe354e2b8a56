//! The one error type of this crate. Every variant names the file, URL or key involved.

use std::path::PathBuf;

/// What to do when the network is unavailable and no mirror is set; appended to data-file errors.
pub(crate) const MIRROR_HINT: &str = "set BRIDGEX_DATA_MIRROR=DIR (or pass `--mirror DIR` to \
`cargo xtask download`), where DIR is a copy of the BridgeX data folder with the same layout \
(e.g. DIR/muse/full/en-de.txt)";

/// The hint for a data file the store could not get: with a mirror set, where in the mirror
/// the file should be; without one, how to set one.
pub(crate) fn mirror_hint(mirror: Option<&std::path::Path>, path: &str) -> String {
    match mirror {
        Some(m) => format!(
            "the mirror {} has no {path} (expected at {}); copy the file there, or point \
             BRIDGEX_DATA_MIRROR at a complete copy of the data folder",
            m.display(),
            m.join(path).display()
        ),
        None => MIRROR_HINT.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("download of {url} failed: {reason}")]
    Network { url: String, reason: String },

    #[error(
        "{what}: checksum mismatch: expected sha256 {expected}{}, got {actual} ({actual_size} \
         bytes); the bad copy was removed",
        .expected_size.map(|n| format!(" ({n} bytes)")).unwrap_or_default()
    )]
    ChecksumMismatch {
        what: String,
        expected: String,
        actual: String,
        expected_size: Option<u64>,
        actual_size: u64,
    },

    #[error("{origin}:{line}: {message}")]
    Manifest {
        origin: String,
        line: usize,
        message: String,
    },

    #[error("{path:?} is not listed in {origin}{}", suggest(.nearest))]
    UnknownFile {
        path: String,
        origin: String,
        nearest: Vec<String>,
    },

    #[error("unknown dataset {name:?}; known datasets: {}", .known.join(", "))]
    UnknownDataset { name: String, known: Vec<String> },

    #[error(
        "{path} (dataset {dataset}) cannot be downloaded, it is only distributed through data \
         mirrors ({note}): {hint}"
    )]
    MirrorOnly {
        path: String,
        dataset: String,
        note: String,
        /// What to do about it, naming the mirror that was tried, if any.
        hint: String,
    },

    #[error(
        "{path} (dataset {dataset}) is not available: {source}. Without network access, {hint}"
    )]
    Unavailable {
        path: String,
        dataset: String,
        #[source]
        source: Box<FetchError>,
        /// What to do about it, naming the mirror that was tried, if any.
        hint: String,
    },

    #[error("converting {url} ({transform}): line {line}: {message}")]
    Transform {
        url: String,
        transform: &'static str,
        line: usize,
        message: String,
    },

    #[error("{var}={value:?}: {message}")]
    Config {
        var: &'static str,
        value: String,
        message: String,
    },
}

fn suggest(nearest: &[String]) -> String {
    if nearest.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", nearest.join(" or "))
    }
}

impl FetchError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        FetchError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// True for a checksum failure, which the callers retry once.
    pub fn is_checksum_mismatch(&self) -> bool {
        matches!(self, FetchError::ChecksumMismatch { .. })
    }

    /// True when the file exists only on data mirrors.
    pub fn is_mirror_only(&self) -> bool {
        match self {
            FetchError::MirrorOnly { .. } => true,
            FetchError::Unavailable { source, .. } => source.is_mirror_only(),
            _ => false,
        }
    }
}
