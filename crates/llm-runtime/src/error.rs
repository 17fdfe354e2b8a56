//! One error type for the runtime: every variant names the file (or spec) and the key/tensor.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A malformed or unsupported file: `what` names the key, tensor or offset.
    #[error("{path}: {what}")]
    Format { path: PathBuf, what: String },
    #[error("{origin}: tensor `{name}` is missing")]
    MissingTensor { origin: String, name: String },
    #[error(
        "{origin}: tensor `{name}`{} has shape {actual:?}, expected {expected:?}",
        in_file(.file_name)
    )]
    Shape {
        origin: String,
        name: String,
        /// The tensor's name in the file, where it differs (GGUF).
        file_name: Option<String>,
        expected: Vec<usize>,
        actual: Vec<usize>,
    },
    /// Built by `family::unsupported_architecture`, which lists the registered families.
    #[error("unsupported architecture `{name}` (supported: {supported})")]
    UnsupportedArchitecture { name: String, supported: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("model spec `{spec}`: {what}")]
    Spec { spec: String, what: String },
    #[error("download {url}: {what}")]
    Download { url: String, what: String },
    #[error("device `{device}`: {what}")]
    Device { device: String, what: String },
    #[error("{0}")]
    Invalid(String),
    /// Writing or fetching a file (the message names it).
    #[error(transparent)]
    Fetch(#[from] fetch::FetchError),
}

/// ` (`blk.0.ffn_up.weight` in the file)`, or nothing.
fn in_file(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!(" (`{n}` in the file)"))
        .unwrap_or_default()
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
    pub fn format(path: impl Into<PathBuf>, what: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            what: what.into(),
        }
    }
}
