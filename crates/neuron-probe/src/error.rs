//! One error type for the crate: every variant names the file, language, pair or parameter.

use std::path::PathBuf;

pub type Result<T, E = ProbeError> = std::result::Result<T, E>;

/// Boxed error of a model backend (the runtime's own error type, kept as the source).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// An artifact on disk that cannot be trusted (bad tensor file, digest or shape mismatch).
    #[error("artifact {path}: {what}")]
    Artifact { path: PathBuf, what: String },
    /// The model backend failed; `op` names the trait method.
    #[error("model `{model}`, {op}: {source}")]
    Model {
        model: String,
        op: &'static str,
        #[source]
        source: BoxError,
    },
    /// The model broke the `NeuronModel` contract (wrong shape, wrong token count, ...).
    #[error("model `{model}`, {op}: {what}")]
    Contract {
        model: String,
        op: &'static str,
        what: String,
    },
    /// A parameter out of range; `name` is the parameter.
    #[error("parameter `{name}`: {what}")]
    Param { name: &'static str, what: String },
    /// Input data that cannot serve (empty corpus, empty dictionary, unknown language in a set).
    #[error("{what}")]
    Data { what: String },
    #[error(transparent)]
    Language(#[from] langs::UnknownLanguage),
    #[error(transparent)]
    Fetch(#[from] fetch::FetchError),
    #[error(transparent)]
    Corpus(#[from] corpora::CorpusError),
    #[error(transparent)]
    Dictionary(#[from] muse_dict::DictError),
    #[error("neuron sets: {0}")]
    Overlap(#[from] overlap::OverlapError),
    #[error("HSIC: {0}")]
    Hsic(#[from] hsic::HsicError),
}

impl ProbeError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ProbeError::Io {
            path: path.into(),
            source,
        }
    }
    pub fn artifact(path: impl Into<PathBuf>, what: impl Into<String>) -> Self {
        ProbeError::Artifact {
            path: path.into(),
            what: what.into(),
        }
    }
    pub fn param(name: &'static str, what: impl Into<String>) -> Self {
        ProbeError::Param {
            name,
            what: what.into(),
        }
    }
    pub fn data(what: impl Into<String>) -> Self {
        ProbeError::Data { what: what.into() }
    }
}
