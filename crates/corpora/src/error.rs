//! The one error type of this crate. Every variant names the file, and the line and field
//! where there is one.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `line` is the 1-based line holding the first invalid byte.
    #[error("{path}:{line}: not valid UTF-8")]
    InvalidUtf8 { path: PathBuf, line: usize },
    #[error("{path}:{line}: empty line")]
    EmptyLine { path: PathBuf, line: usize },
    #[error("{path}: file holds no records")]
    NoRecords { path: PathBuf },
    #[error("{path}:{line}: not a JSON object: {source}")]
    Json {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    /// A field is missing or has the wrong type or value.
    #[error("{path}:{line}: field `{field}`: expected {expected}, found {found}")]
    Field {
        path: PathBuf,
        line: usize,
        field: String,
        expected: String,
        found: String,
    },
    /// A CSV/TSV syntax error (e.g. a row with the wrong number of fields).
    #[error("{path}:{line}: {source}")]
    Csv {
        path: PathBuf,
        line: u64,
        #[source]
        source: csv::Error,
    },
    #[error("{path}: header: expected columns {expected}, found {found}")]
    Header {
        path: PathBuf,
        expected: String,
        found: String,
    },
    /// A key that must be unique within the file appears twice.
    #[error("{path}:{line}: duplicate {field} {value} (first on line {first_line})")]
    Duplicate {
        path: PathBuf,
        line: usize,
        field: String,
        value: String,
        first_line: usize,
    },
    /// [`crate::xcopa::fix_questions`]: the reference set lacks an item.
    #[error("XCOPA reference has no item with idx {idx}")]
    MissingReference { idx: u32 },
    /// [`crate::xcopa::fix_questions`]: the labels disagree, so the reference is not a
    /// translation of the same split.
    #[error(
        "XCOPA idx {idx}: label {label} differs from the reference label {reference_label}; is the reference the same split?"
    )]
    ReferenceMismatch {
        idx: u32,
        label: u8,
        reference_label: u8,
    },
}
