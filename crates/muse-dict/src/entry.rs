//! One source word and its translations: what a dictionary holds and its index points at.

/// One source word and all its translations, in file order, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub source: String,
    pub targets: Vec<String>,
}
