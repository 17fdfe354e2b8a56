//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong when scoring bridges.
#[derive(Debug, Error)]
pub enum HsicError {
    #[error("{what}: expected {expected} values ({rows} rows x {samples} samples), got {got}")]
    Length {
        what: &'static str,
        rows: usize,
        samples: usize,
        expected: usize,
        got: usize,
    },
    #[error("{what}: needs at least {min} {unit}, got {got}")]
    TooSmall {
        what: &'static str,
        min: usize,
        unit: &'static str,
        got: usize,
    },
    #[error("{what}: value at row {row}, sample {sample} is not finite ({value})")]
    NotFinite {
        what: &'static str,
        row: usize,
        sample: usize,
        value: f32,
    },
    #[error("parameter {name} = {value} is out of range: expected {expected}")]
    BadParameter {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    #[error("layer window {first}..={last} does not fit a model of {layers} layers")]
    BadWindow {
        first: usize,
        last: usize,
        layers: usize,
    },
    #[error("a model needs at least one layer for a layer window")]
    NoLayers,
    #[error("candidate {candidate:?} appears twice")]
    DuplicateCandidate { candidate: String },
    #[error("no candidate bridge given")]
    NoCandidates,
    #[error(
        "series engine not applicable: {reason} (use Engine::Auto to fall back to the dense engine)"
    )]
    SeriesNotApplicable { reason: String },
    #[error(transparent)]
    Overlap(#[from] overlap::OverlapError),
    #[error("internal shape error in {what}: {detail}")]
    Internal { what: &'static str, detail: String },
}
