//! A generation memo: answers a request the model has already answered from a file, so work
//! shared between runs is done once. In a study, pairs with the same source language translate
//! the same FLORES sentences into the same bridge, and pairs with the same target language ask
//! the same XCOPA and SIB-200 questions; greedy decoding makes the answer a function of the
//! request.
//!
//! The memo is an append-only [`JsonlStore`] (durable per batch, a half-written last line cut
//! off on open). A line holds the sha256 of the request (kind, prompt, token limit, stop
//! strings or continuation) and the answer; prompts live in the per-run results files.
//! A memo belongs to one model in one precision: every line names it (digest and precision),
//! and a memo written by another model is refused when opened, never used.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::EvalError;
use crate::generator::{GenerateError, Generator};
use crate::store::{JsonlStore, StoreRecord};

/// One answered request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoRecord {
    /// sha256 (hex) of the request.
    pub key: String,
    /// The model that answered: content digest and precision (`<digest> <precision>`).
    #[serde(default)]
    pub model: String,
    /// A generation's continuation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A scored continuation's log-likelihood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loglik: Option<f64>,
}

impl StoreRecord for MemoRecord {
    fn key(&self) -> &str {
        &self.key
    }
}

/// Hash of a request. Length-prefixed fields, so no two requests share an encoding.
fn request_key(kind: &str, fields: &[&str], number: usize) -> String {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update((number as u64).to_le_bytes());
    for f in fields {
        h.update((f.len() as u64).to_le_bytes());
        h.update(f.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn generate_key(prompt: &str, max_new_tokens: usize, stop: &[&str]) -> String {
    let mut fields = vec![prompt];
    fields.extend_from_slice(stop);
    request_key("generate", &fields, max_new_tokens)
}

fn loglik_key(prompt: &str, continuation: &str) -> String {
    request_key("loglik", &[prompt, continuation], 0)
}

/// A [`Generator`] that asks `inner` only what its memo file does not already answer.
pub struct MemoGenerator<G> {
    inner: G,
    /// `<digest> <precision>` of the model behind `inner`.
    model: String,
    store: JsonlStore<MemoRecord>,
    /// Requests answered from the memo, and sent to `inner`, so far.
    pub hits: usize,
    pub misses: usize,
}

impl<G: Generator> MemoGenerator<G> {
    /// Open (or create) the memo file at `path` in front of `inner`, the model `model`
    /// (content digest and precision, `<digest> <precision>`). A memo that holds another
    /// model's answers is an error naming both.
    pub fn open(inner: G, path: &Path, model: &str) -> Result<Self, EvalError> {
        let store: JsonlStore<MemoRecord> = JsonlStore::open(path)?;
        if let Some(other) = store.records().into_iter().find(|r| r.model != model) {
            let line = store.get(&other.key).map_or(0, |(l, _)| l);
            let found = if other.model.is_empty() {
                "(not recorded: written before memos named their model)".to_string()
            } else {
                other.model.clone()
            };
            return Err(EvalError::ProvenanceMismatch {
                path: path.to_path_buf(),
                line,
                field: "model",
                expected: model.to_string(),
                found,
            });
        }
        Ok(MemoGenerator {
            inner,
            model: model.to_string(),
            store,
            hits: 0,
            misses: 0,
        })
    }

    pub fn into_inner(self) -> G {
        self.inner
    }

    /// Requests the memo answers.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// Answer `keys` from the memo where it can; ask `compute` for the rest (each distinct
    /// request once, in first-seen order), record its answers, and return all in order.
    fn answer<T: Clone>(
        &mut self,
        keys: Vec<String>,
        read: impl Fn(&MemoRecord) -> Option<T>,
        write: impl Fn(String, String, T) -> MemoRecord,
        compute: impl FnOnce(&mut G, &[usize]) -> Result<Vec<T>, GenerateError>,
    ) -> Result<Vec<T>, GenerateError> {
        let mut known: Vec<Option<T>> = keys
            .iter()
            .map(|k| self.store.get(k).and_then(|(_, r)| read(r)))
            .collect();
        // Each distinct missing request once: `ask` holds its first index, `slot` its place in
        // `ask` (and so in the generator's answers).
        let mut slot: HashMap<&str, usize> = HashMap::new();
        let mut ask: Vec<usize> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if known[i].is_none() && !slot.contains_key(k.as_str()) {
                slot.insert(k, ask.len());
                ask.push(i);
            }
        }
        self.hits += keys.len() - ask.len();
        self.misses += ask.len();
        if !ask.is_empty() {
            let got = compute(&mut self.inner, &ask)?;
            if got.len() != ask.len() {
                return Err(format!(
                    "the generator answered {} of {} requests",
                    got.len(),
                    ask.len()
                )
                .into());
            }
            let records = ask
                .iter()
                .zip(&got)
                .map(|(&i, v)| write(keys[i].clone(), self.model.clone(), v.clone()))
                .collect();
            self.store.append(records)?;
            for (i, k) in keys.iter().enumerate() {
                if known[i].is_none() {
                    known[i] = Some(got[slot[k.as_str()]].clone());
                }
            }
        }
        Ok(known
            .into_iter()
            .map(|v| v.expect("every request is answered"))
            .collect())
    }
}

impl<G: Generator> Generator for MemoGenerator<G> {
    fn generate(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> Result<Vec<String>, GenerateError> {
        let keys = prompts
            .iter()
            .map(|p| generate_key(p, max_new_tokens, stop))
            .collect();
        self.answer(
            keys,
            |r| r.text.clone(),
            |key, model, text| MemoRecord {
                key,
                model,
                text: Some(text),
                loglik: None,
            },
            |g, ask| {
                let asked: Vec<String> = ask.iter().map(|&i| prompts[i].clone()).collect();
                g.generate(&asked, max_new_tokens, stop)
            },
        )
    }

    fn loglik(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>, GenerateError> {
        let keys = pairs.iter().map(|(p, c)| loglik_key(p, c)).collect();
        self.answer(
            keys,
            |r| r.loglik,
            |key, model, ll| MemoRecord {
                key,
                model,
                text: None,
                loglik: Some(ll),
            },
            |g, ask| {
                let asked: Vec<(String, String)> = ask.iter().map(|&i| pairs[i].clone()).collect();
                g.loglik(&asked)
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upper-cases prompts, scores a continuation by minus its length; counts what it is asked.
    #[derive(Default)]
    struct Upper {
        asked: Vec<String>,
    }

    impl Generator for Upper {
        fn generate(
            &mut self,
            prompts: &[String],
            max_new_tokens: usize,
            _stop: &[&str],
        ) -> Result<Vec<String>, GenerateError> {
            self.asked.extend(prompts.iter().cloned());
            Ok(prompts
                .iter()
                .map(|p| format!("{}{max_new_tokens}", p.to_uppercase()))
                .collect())
        }

        fn loglik(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>, GenerateError> {
            self.asked
                .extend(pairs.iter().map(|(p, c)| format!("{p}|{c}")));
            Ok(pairs.iter().map(|(_, c)| -(c.len() as f64)).collect())
        }
    }

    const MODEL: &str = "0123abcd f32";

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn asks_each_distinct_request_once_and_keeps_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo.jsonl");
        let mut m = MemoGenerator::open(Upper::default(), &path, MODEL).unwrap();
        let out = m.generate(&s(&["a", "b", "a"]), 5, &["\n"]).unwrap();
        assert_eq!(out, s(&["A5", "B5", "A5"]));
        let out = m.generate(&s(&["c", "b"]), 5, &["\n"]).unwrap();
        assert_eq!(out, s(&["C5", "B5"]));
        // A different token limit or stop list is a different request.
        let out = m.generate(&s(&["b"]), 7, &["\n"]).unwrap();
        assert_eq!(out, s(&["B7"]));
        m.generate(&s(&["b"]), 5, &[]).unwrap();
        assert_eq!(m.into_inner().asked, s(&["a", "b", "c", "b", "b"]));
    }

    #[test]
    fn a_reopened_memo_answers_without_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo.jsonl");
        let mut m = MemoGenerator::open(Upper::default(), &path, MODEL).unwrap();
        m.generate(&s(&["x", "y"]), 3, &["\n"]).unwrap();
        let ll = m
            .loglik(&[("p".into(), "abc".into()), ("p".into(), "a".into())])
            .unwrap();
        assert_eq!(ll, vec![-3.0, -1.0]);
        drop(m);

        let mut m = MemoGenerator::open(Upper::default(), &path, MODEL).unwrap();
        assert_eq!(m.len(), 4);
        assert_eq!(
            m.generate(&s(&["y", "x"]), 3, &["\n"]).unwrap(),
            s(&["Y3", "X3"])
        );
        let ll = m.loglik(&[("p".into(), "a".into())]).unwrap();
        assert_eq!(ll, vec![-1.0]);
        assert_eq!((m.hits, m.misses), (3, 0));
        assert!(m.into_inner().asked.is_empty());
    }

    #[test]
    fn a_half_written_last_line_is_recomputed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo.jsonl");
        let mut m = MemoGenerator::open(Upper::default(), &path, MODEL).unwrap();
        m.generate(&s(&["x", "y"]), 3, &["\n"]).unwrap();
        drop(m);
        // Cut the file inside its second line, as a killed run would leave it.
        let bytes = std::fs::read(&path).unwrap();
        let first_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        std::fs::write(&path, &bytes[..first_end + 10]).unwrap();

        let mut m = MemoGenerator::open(Upper::default(), &path, MODEL).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(
            m.generate(&s(&["x", "y"]), 3, &["\n"]).unwrap(),
            s(&["X3", "Y3"])
        );
        assert_eq!(m.into_inner().asked, s(&["y"]));
    }

    #[test]
    fn a_malformed_line_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo.jsonl");
        std::fs::write(
            &path,
            format!("{{\"key\":\"k1\",\"model\":\"{MODEL}\",\"text\":\"a\"}}\nnot json\n"),
        )
        .unwrap();
        let err = MemoGenerator::open(Upper::default(), &path, MODEL)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("memo.jsonl") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn another_models_memo_is_refused_and_names_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("memo.jsonl");
        let mut m = MemoGenerator::open(Upper::default(), &path, MODEL).unwrap();
        m.generate(&s(&["x"]), 3, &["\n"]).unwrap();
        drop(m);
        for other in ["0123abcd bf16", "ffff0000 f32"] {
            let err = MemoGenerator::open(Upper::default(), &path, other)
                .err()
                .expect("another model")
                .to_string();
            assert!(
                err.contains("line 1") && err.contains(MODEL) && err.contains(other),
                "{err}"
            );
        }
        // A memo from before lines named their model is refused too.
        std::fs::write(&path, "{\"key\":\"k1\",\"text\":\"a\"}\n").unwrap();
        let err = MemoGenerator::open(Upper::default(), &path, MODEL)
            .err()
            .expect("unnamed")
            .to_string();
        assert!(err.contains("not recorded"), "{err}");
    }

    #[test]
    fn request_keys_do_not_collide_across_field_boundaries() {
        assert_ne!(loglik_key("ab", "c"), loglik_key("a", "bc"));
        assert_ne!(generate_key("a", 1, &["b"]), generate_key("ab", 1, &[]));
        assert_ne!(generate_key("a", 1, &[]), generate_key("a", 2, &[]));
    }
}
