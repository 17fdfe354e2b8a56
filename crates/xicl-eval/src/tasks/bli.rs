//! Word translation (bilingual lexicon induction) on the dictionary test split.
//!
//! Direct: `{Src}:"{w}"→{Trg}:`. Bridged, two steps: `{Src}:"{w}"→{Bri}:` gives the bridge word
//! b, then `{Src}:"{w}"→{Bri}:"{b}"→{Trg}:`. Greedy, at most 30 new tokens, stop at newline.
//! Precision@1 over unique source words: lower-cased exact match against any gold target,
//! Hebrew niqqud stripped; a parse failure (also of the bridge word) is wrong.

use crate::error::EvalError;
use crate::mode::{LangRef, PromptMode};
use crate::parse::{bli_match, parse_bli_answer};
use crate::tasks::{Outcome, StepSpec, Task, TaskMetrics, accuracy_metrics, final_output};

/// One source word with all its gold translations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BliItem {
    pub source: String,
    pub targets: Vec<String>,
}

/// The word-translation task for one ordered language pair.
#[derive(Clone, Debug)]
pub struct BliTask {
    pub src: LangRef,
    pub trg: LangRef,
    /// docs/METHOD.md §6: 30.
    pub max_new_tokens: usize,
}

impl BliTask {
    pub fn new(src: LangRef, trg: LangRef) -> Self {
        BliTask {
            src,
            trg,
            max_new_tokens: 30,
        }
    }
}

/// `{Src}:"{w}"→{Trg}:` (the probe template of docs/METHOD.md §3, U+2192, no spaces).
pub fn bli_prompt(src: &str, word: &str, trg: &str) -> String {
    format!("{src}:\"{word}\"\u{2192}{trg}:")
}

/// `{Src}:"{w}"→{Bri}:"{b}"→{Trg}:`.
pub fn bli_bridged_prompt(
    src: &str,
    word: &str,
    bri: &str,
    bridge_word: &str,
    trg: &str,
) -> String {
    format!("{src}:\"{word}\"\u{2192}{bri}:\"{bridge_word}\"\u{2192}{trg}:")
}

impl Task for BliTask {
    type Item = BliItem;

    fn key(&self) -> String {
        format!("bli:{}-{}", self.src.code, self.trg.code)
    }

    fn endpoints(&self) -> Vec<String> {
        vec![self.src.code.clone(), self.trg.code.clone()]
    }

    fn item_id(&self, item: &BliItem) -> String {
        item.source.clone()
    }

    fn validate(&self, item: &BliItem) -> Result<(), EvalError> {
        if item.targets.iter().all(|t| t.trim().is_empty()) {
            return Err(EvalError::InvalidItem {
                id: item.source.clone(),
                field: "targets",
                problem: "holds no gold translation".into(),
            });
        }
        Ok(())
    }

    fn steps(&self, mode: &PromptMode) -> Vec<StepSpec> {
        let n = match mode {
            PromptMode::Direct => 1,
            PromptMode::Bridge(_) => 2,
        };
        vec![StepSpec::line(self.max_new_tokens); n]
    }

    fn prompts(
        &self,
        item: &BliItem,
        mode: &PromptMode,
        step: usize,
        history: &[Vec<String>],
    ) -> Vec<String> {
        let w = &item.source;
        match (mode, step) {
            (PromptMode::Direct, 0) => vec![bli_prompt(&self.src.name, w, &self.trg.name)],
            (PromptMode::Bridge(b), 0) => vec![bli_prompt(&self.src.name, w, &b.name)],
            (PromptMode::Bridge(b), 1) => history
                .first()
                .and_then(|h| h.first())
                .and_then(|o| parse_bli_answer(o))
                .map(|bw| {
                    vec![bli_bridged_prompt(
                        &self.src.name,
                        w,
                        &b.name,
                        &bw,
                        &self.trg.name,
                    )]
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn outcome(&self, item: &BliItem, mode: &PromptMode, history: &[Vec<String>]) -> Outcome {
        let prediction = final_output(history, self.steps(mode).len()).and_then(parse_bli_answer);
        let correct = prediction
            .as_deref()
            .is_some_and(|p| bli_match(p, &item.targets));
        Outcome::Choice {
            prediction,
            gold: item.targets.clone(),
            correct,
        }
    }

    fn metrics(&self, outcomes: &[Outcome]) -> Result<TaskMetrics, EvalError> {
        Ok(accuracy_metrics(outcomes))
    }
}
