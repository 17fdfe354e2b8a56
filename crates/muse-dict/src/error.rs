//! The one error type of this crate.

use std::path::PathBuf;

/// Everything that can go wrong while reading or resolving a dictionary.
#[derive(Debug, thiserror::Error)]
pub enum DictError {
    /// The file could not be read.
    #[error("cannot read dictionary {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid UTF-8; `line` is the 1-based line of the first bad byte.
    #[error("{path}:{line}: dictionary is not valid UTF-8")]
    InvalidUtf8 { path: PathBuf, line: usize },
    /// A line does not have the expected `source target` shape (only in [`crate::ParseMode::Strict`]).
    #[error("{path}:{line}: malformed dictionary line {content:?}: {reason}")]
    Malformed {
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was expected and what was found.
        reason: String,
        /// The offending line, cut to 80 characters.
        content: String,
    },
    /// The pair of language codes has no dictionary in any known source.
    #[error("no dictionary for {src}->{tgt}: {reason}")]
    UnsupportedPair {
        src: String,
        tgt: String,
        reason: String,
    },
    /// The caller's file provider failed for a path of the data layout.
    #[error("cannot obtain data file {rel}: {source}")]
    File {
        rel: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}
