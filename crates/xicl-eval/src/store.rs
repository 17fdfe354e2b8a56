//! The per-run results file: JSON Lines, one [`ItemRecord`] per evaluated item, append-only.
//! The same durable file ([`JsonlStore`]) keeps the generation memo ([`crate::memo`]).
//!
//! Durability model: a batch's lines are written with one `write_all` and `fsync`ed before the
//! next batch starts, so after a crash the file holds complete lines of finished batches plus
//! at most one half-written last line, which [`ResultStore::open`] cuts off. Lines are never
//! rewritten, so a finished item is never lost.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::EvalError;

/// Everything the model said for one item, and how it was scored when written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemRecord {
    pub id: String,
    /// [`crate::tasks::Task::key`].
    pub task: String,
    /// `direct` or `bridge:<code>`.
    pub route: String,
    /// Prompts per generation step.
    pub prompts: Vec<Vec<String>>,
    /// Continuations per generation step, parallel to `prompts`.
    pub outputs: Vec<Vec<String>>,
    /// Parsed answer or translation; absent on parse failure.
    #[serde(default)]
    pub prediction: Option<String>,
    /// Accepted answers, or the reference translation.
    #[serde(default)]
    pub gold: Vec<String>,
    /// Choice tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
    /// Translation: sentence-level chrF++ (sacreBLEU `sentence_chrf`, word order 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chrf_pp: Option<f64>,
    /// Likelihood-scored step: per prompt, the log-likelihood of each option (in the task's
    /// option order); the chosen option is that step's output.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub option_logprobs: Vec<Vec<f64>>,
    /// What produced the outputs; a run resumes a record only when this matches exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// What produced a record: the model (content digest), the precision of its forward pass, and
/// the decoding of every step (token limits, stop strings, or the options scored). Two records
/// with the same task, route and prompts but another provenance are different results.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The model's content digest (`ModelIdentity::digest`).
    pub model: String,
    /// `f32`, `bf16`, ...
    pub precision: String,
    /// One entry per step, see [`crate::StepSpec::describe`].
    pub steps: Vec<String>,
}

impl Provenance {
    /// The first field in which `found` differs from `self`, with both values.
    pub fn first_difference(&self, found: &Provenance) -> Option<(&'static str, String, String)> {
        if self.model != found.model {
            return Some(("model", self.model.clone(), found.model.clone()));
        }
        if self.precision != found.precision {
            return Some(("precision", self.precision.clone(), found.precision.clone()));
        }
        if self.steps != found.steps {
            return Some((
                "decoding",
                format!("{:?}", self.steps),
                format!("{:?}", found.steps),
            ));
        }
        None
    }
}

/// A line of a [`JsonlStore`]: its key may appear once per file.
pub trait StoreRecord: Serialize + DeserializeOwned {
    fn key(&self) -> &str;
}

impl StoreRecord for ItemRecord {
    fn key(&self) -> &str {
        &self.id
    }
}

/// The per-run results file.
pub type ResultStore = JsonlStore<ItemRecord>;

/// An open append-only JSON Lines file and the records it already holds.
#[derive(Debug)]
pub struct JsonlStore<R> {
    path: PathBuf,
    file: File,
    /// key -> (1-based line, record)
    records: HashMap<String, (usize, R)>,
    /// Complete lines in the file.
    lines: usize,
}

impl<R: StoreRecord> JsonlStore<R> {
    /// Open (creating if needed, with its directory) a results file, drop a half-written last
    /// line, and load the complete records.
    pub fn open(path: &Path) -> Result<Self, EvalError> {
        let io = |action: &'static str| {
            let path = path.to_path_buf();
            move |source| EvalError::Io {
                action,
                path,
                source,
            }
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io("create directory for"))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(io("open"))?;
        // One writer per file: a second run on the same output would append the same items
        // again. The lock goes with the handle (released when the store is dropped or the
        // process ends, also on a crash).
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(EvalError::InUse {
                    path: path.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock")(e)),
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io("read"))?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if complete < bytes.len() {
            tracing::warn!(
                path = %path.display(),
                dropped_bytes = bytes.len() - complete,
                "dropping a half-written last line (interrupted run)"
            );
            file.set_len(complete as u64).map_err(io("truncate"))?;
            file.sync_all().map_err(io("sync"))?;
            bytes.truncate(complete);
        }
        let lines = bytes.iter().filter(|&&b| b == b'\n').count();
        let mut records: HashMap<String, (usize, R)> = HashMap::new();
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let line_no = i + 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let rec: R = serde_json::from_slice(line).map_err(|source| EvalError::BadRecord {
                path: path.to_path_buf(),
                line: line_no,
                source,
            })?;
            if let Some((first, _)) = records.get(rec.key()) {
                return Err(EvalError::DuplicateRecord {
                    path: path.to_path_buf(),
                    id: rec.key().to_string(),
                    first: *first,
                    second: line_no,
                });
            }
            records.insert(rec.key().to_string(), (line_no, rec));
        }
        Ok(JsonlStore {
            path: path.to_path_buf(),
            file,
            records,
            lines,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The record of a key and its 1-based line number.
    pub fn get(&self, id: &str) -> Option<(usize, &R)> {
        self.records.get(id).map(|(l, r)| (*l, r))
    }

    /// All records in file order.
    pub fn records(&self) -> Vec<&R> {
        let mut v: Vec<(usize, &R)> = self.records.values().map(|(l, r)| (*l, r)).collect();
        v.sort_by_key(|(l, _)| *l);
        v.into_iter().map(|(_, r)| r).collect()
    }

    /// Append finished records durably: one write, then fsync.
    pub fn append(&mut self, batch: Vec<R>) -> Result<(), EvalError> {
        if batch.is_empty() {
            return Ok(());
        }
        // the line each record would get; an id may not repeat in the file
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (k, rec) in batch.iter().enumerate() {
            let line = self.lines + 1 + k;
            let earlier = self
                .records
                .get(rec.key())
                .map(|(l, _)| *l)
                .or_else(|| seen.get(rec.key()).copied());
            if let Some(first) = earlier {
                return Err(EvalError::DuplicateRecord {
                    path: self.path.clone(),
                    id: rec.key().to_string(),
                    first,
                    second: line,
                });
            }
            seen.insert(rec.key(), line);
        }
        let mut buf = Vec::new();
        for rec in &batch {
            // serde_json escapes control characters, so a record is always one line
            serde_json::to_writer(&mut buf, rec).map_err(|e| EvalError::Io {
                action: "serialise a record for",
                path: self.path.clone(),
                source: std::io::Error::other(e),
            })?;
            buf.push(b'\n');
        }
        let io = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| EvalError::Io {
                action,
                path,
                source,
            }
        };
        self.file
            .write_all(&buf)
            .map_err(io("append to", &self.path))?;
        self.file.sync_data().map_err(io("sync", &self.path))?;
        for rec in batch {
            self.lines += 1;
            self.records
                .insert(rec.key().to_string(), (self.lines, rec));
        }
        Ok(())
    }
}
