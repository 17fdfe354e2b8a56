//! Error types of the crate.

use std::path::PathBuf;

use crate::generator::GenerateError;

/// Bad input to a metric.
#[derive(Debug, thiserror::Error)]
pub enum MetricError {
    #[error("no hypotheses: a corpus score needs at least one segment")]
    EmptyCorpus,
    #[error("no references given")]
    NoReferences,
    #[error("{hyps} hypotheses but reference stream {stream} has {refs} lines")]
    LengthMismatch {
        hyps: usize,
        stream: usize,
        refs: usize,
    },
    #[error("{0} must be at least 1")]
    ZeroOrder(&'static str),
    #[error("statistics of {found} entries where the metric's settings need {expected}")]
    StatisticsShape { expected: usize, found: usize },
    #[error("unknown BLEU tokenizer {0:?}: expected one of none, 13a, zh, char")]
    UnknownTokenizer(String),
}

/// Errors of the evaluation driver, tasks and baseline aggregation.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}, line {line}: not a record of this file ({source})")]
    BadRecord {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "{path}, line {line}: field `{field}` is {found:?}, expected {expected:?} (is this file from another run?)"
    )]
    RecordMismatch {
        path: PathBuf,
        line: usize,
        field: &'static str,
        expected: String,
        found: String,
    },
    #[error(
        "{path} is open in another process (another run with the same output or memo?); wait for it to finish, or give this run another --out or --memo"
    )]
    InUse { path: PathBuf },
    #[error(
        "{path}, line {line}: the outputs were made with {field} {found}, this run uses {expected}; resuming would mix the two, so give this run another --out (or delete the file to start over)"
    )]
    ProvenanceMismatch {
        path: PathBuf,
        line: usize,
        field: &'static str,
        expected: String,
        found: String,
    },
    #[error(
        "{path}: record key {id:?} (an item id, or a memo key) appears on lines {first} and {second}"
    )]
    DuplicateRecord {
        path: PathBuf,
        id: String,
        first: usize,
        second: usize,
    },
    #[error(
        "{path}, line {line}: item {id:?} has {found} generation steps, the task has {expected} for this route"
    )]
    RecordShape {
        path: PathBuf,
        line: usize,
        id: String,
        expected: usize,
        found: usize,
    },
    #[error("items {first} and {second} share the id {id:?}; ids must be unique")]
    DuplicateItem {
        id: String,
        first: usize,
        second: usize,
    },
    #[error("item {id:?}: field `{field}` {problem}")]
    InvalidItem {
        id: String,
        field: &'static str,
        problem: String,
    },
    #[error("no items to evaluate (empty list or limit 0)")]
    NoItems,
    #[error("batch size must be at least 1")]
    ZeroBatch,
    #[error("task {task}: bridge {bridge:?} is one of the task's own languages {endpoints:?}")]
    BridgeIsEndpoint {
        task: String,
        bridge: String,
        endpoints: Vec<String>,
    },
    #[error(
        "task {task}, route {route}, step {step}, batch starting at item {first_id:?}: generator failed: {source}"
    )]
    Generator {
        task: String,
        route: String,
        step: usize,
        first_id: String,
        #[source]
        source: GenerateError,
    },
    #[error("task {task}, step {step}: generator returned {got} outputs for {expected} prompts")]
    OutputCount {
        task: String,
        step: usize,
        expected: usize,
        got: usize,
    },
    #[error("route {0:?}: expected \"direct\" or \"bridge:<code>\"")]
    BadRoute(String),
    #[error("baseline: {0}")]
    Baseline(String),
    #[error("baseline: no score for route {0}; run it first")]
    MissingRun(String),
    #[error(transparent)]
    Metric(#[from] MetricError),
}
