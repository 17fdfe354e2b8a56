//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong when building neuron sets and similarity tables.
///
/// Every variant names the offending field, language or index and what was expected.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum OverlapError {
    #[error("model shape: {field} must be at least 1, got 0")]
    EmptyShape { field: &'static str },
    #[error(
        "model shape: {layers} layers x {neurons} neurons = {total} neurons exceeds the u32 id space"
    )]
    ShapeTooLarge {
        layers: usize,
        neurons: usize,
        total: u128,
    },
    #[error("{what}: expected {expected} values ({layers} layers x {neurons} neurons), got {got}")]
    LengthMismatch {
        what: String,
        expected: usize,
        got: usize,
        layers: usize,
        neurons: usize,
    },
    #[error("{what}: value {value} at index {index} (layer {layer}, neuron {neuron}) is {problem}")]
    BadValue {
        what: String,
        index: usize,
        layer: usize,
        neuron: usize,
        value: f64,
        problem: &'static str,
    },
    #[error("language {language:?}: token count is 0, so activation probabilities are undefined")]
    NoTokens { language: String },
    #[error("language {language:?}: over_zero[{index}] = {count} exceeds the token count {tokens}")]
    CountExceedsTokens {
        language: String,
        index: usize,
        count: u64,
        tokens: u64,
    },
    #[error("language {language:?} is already in the table")]
    DuplicateLanguage { language: String },
    #[error("language {language:?} is not in the table (known: {known})")]
    UnknownLanguage { language: String, known: String },
    #[error("the statistics table holds no language")]
    NoLanguages,
    #[error("neuron id {id} is out of range for {layers} layers x {neurons} neurons (max {max})")]
    IdOutOfRange {
        id: u64,
        layers: usize,
        neurons: usize,
        max: u64,
    },
    #[error(
        "{what}: shapes differ: {left_layers}x{left_neurons} vs {right_layers}x{right_neurons}"
    )]
    ShapeMismatch {
        what: &'static str,
        left_layers: usize,
        left_neurons: usize,
        right_layers: usize,
        right_neurons: usize,
    },
    #[error("parameter {name} = {value} is out of range: expected {expected}")]
    BadParameter {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },
    #[error("quantile of an empty list of values")]
    EmptyValues,
    #[error("{what}: rank k = {k} is out of range 1..={n} (k = round({n} * {rate}))")]
    RankOutOfRange {
        what: &'static str,
        k: usize,
        n: usize,
        rate: f64,
    },
    #[error(
        "probe tensor: {layers} layers x {neurons} neurons x {samples} samples = {expected} values, got {got}"
    )]
    ProbeLength {
        layers: usize,
        neurons: usize,
        samples: usize,
        expected: usize,
        got: usize,
    },
    #[error("probe tensor: {field} must be at least 1, got 0")]
    ProbeEmpty { field: &'static str },
    #[error(
        "probe tensor: value at layer {layer}, neuron {neuron}, sample {sample} is not finite ({value})"
    )]
    ProbeNotFinite {
        layer: usize,
        neuron: usize,
        sample: usize,
        value: f32,
    },
}
