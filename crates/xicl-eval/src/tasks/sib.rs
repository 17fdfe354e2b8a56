//! SIB-200 topic classification of a FLORES sentence into one of the dataset's labels (seven).
//! Bridged = the sentence is translated into the bridge first. The answer is the label
//! mentioned first (case-insensitive); accuracy.

use crate::error::EvalError;
use crate::mode::{LangRef, PromptMode};
use crate::parse::{first_line, parse_label};
use crate::tasks::{
    AnswerScoring, Outcome, StepSpec, Task, TaskMetrics, accuracy_metrics, answer_steps,
    final_output, translate_prompt,
};

/// One sentence with its gold topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SibItem {
    pub index_id: u32,
    pub text: String,
    pub category: String,
}

#[derive(Clone, Debug)]
pub struct SibTask {
    pub lang: LangRef,
    /// The label set in `labels.txt` order; the prompt lists them in this order.
    pub labels: Vec<String>,
    /// How the answer is read (generated and parsed, or chosen by likelihood).
    pub scoring: AnswerScoring,
    pub answer_max_new_tokens: usize,
    pub translate_max_new_tokens: usize,
}

impl SibTask {
    pub fn new(lang: LangRef, labels: Vec<String>) -> Self {
        SibTask {
            lang,
            labels,
            scoring: AnswerScoring::Generate,
            answer_max_new_tokens: 12,
            translate_max_new_tokens: 256,
        }
    }
}

/// The SIB-200 prompt.
pub fn sib_prompt<S: AsRef<str>>(text: &str, labels: &[S]) -> String {
    let list: Vec<&str> = labels.iter().map(AsRef::as_ref).collect();
    format!(
        "Classify the topic of the following text. Respond with one of: {}.\nText: {text}\nTopic:",
        list.join(", ")
    )
}

impl Task for SibTask {
    type Item = SibItem;

    fn key(&self) -> String {
        format!("sib200{}:{}", self.scoring.key_suffix(), self.lang.code)
    }

    fn endpoints(&self) -> Vec<String> {
        vec![self.lang.code.clone()]
    }

    fn item_id(&self, item: &SibItem) -> String {
        item.index_id.to_string()
    }

    fn validate(&self, item: &SibItem) -> Result<(), EvalError> {
        if !self.labels.iter().any(|l| l == &item.category) {
            return Err(EvalError::InvalidItem {
                id: self.item_id(item),
                field: "category",
                problem: format!(
                    "{:?} is not one of the labels {:?}",
                    item.category, self.labels
                ),
            });
        }
        Ok(())
    }

    fn steps(&self, mode: &PromptMode) -> Vec<StepSpec> {
        answer_steps(
            mode,
            self.scoring,
            self.translate_max_new_tokens,
            self.answer_max_new_tokens,
            || self.labels.iter().map(|l| format!(" {l}")).collect(),
        )
    }

    fn prompts(
        &self,
        item: &SibItem,
        mode: &PromptMode,
        step: usize,
        history: &[Vec<String>],
    ) -> Vec<String> {
        match (mode, step) {
            (PromptMode::Direct, 0) => vec![sib_prompt(&item.text, &self.labels)],
            (PromptMode::Bridge(b), 0) => {
                vec![translate_prompt(&self.lang.name, &b.name, &item.text)]
            }
            (PromptMode::Bridge(_), 1) => {
                let text = history
                    .first()
                    .and_then(|h| h.first())
                    .map(|o| first_line(o))
                    .unwrap_or_default();
                if text.is_empty() {
                    Vec::new()
                } else {
                    vec![sib_prompt(&text, &self.labels)]
                }
            }
            _ => Vec::new(),
        }
    }

    fn outcome(&self, item: &SibItem, mode: &PromptMode, history: &[Vec<String>]) -> Outcome {
        let label = final_output(history, self.steps(mode).len())
            .and_then(|o| parse_label(o, &self.labels))
            .map(|i| self.labels[i].clone());
        Outcome::Choice {
            correct: label.as_deref() == Some(item.category.as_str()),
            prediction: label,
            gold: vec![item.category.clone()],
        }
    }

    fn metrics(&self, outcomes: &[Outcome]) -> Result<TaskMetrics, EvalError> {
        Ok(accuracy_metrics(outcomes))
    }
}
