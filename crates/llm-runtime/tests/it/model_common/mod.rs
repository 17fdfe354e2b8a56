//! Helpers shared by the `model_*` integration tests.
#![allow(dead_code)]

pub mod tiny;

use std::path::PathBuf;

/// The reference values of the default model (a copy of
/// `tests/model_data/gemma3_270m_reference_values.json`).
pub fn reference_json() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/model_data/gemma3_270m_reference_values.json");
    assert!(p.is_file(), "reference values {} are missing", p.display());
    p
}
