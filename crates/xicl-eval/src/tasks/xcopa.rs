//! XCOPA causal commonsense choice in the item's language. Bridged = premise and both choices
//! translated into the bridge first (three translation prompts, then the choice prompt).
//! Answers `1`/`2` (or `A`/`B`); accuracy.

use serde::{Deserialize, Serialize};

use crate::error::EvalError;
use crate::mode::{LangRef, PromptMode};
use crate::parse::{first_line, parse_two_way};
use crate::tasks::{
    AnswerScoring, Outcome, StepSpec, Task, TaskMetrics, accuracy_metrics, answer_steps,
    final_output, translate_prompt,
};

/// Whether the question asks for the premise's cause or its effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CopaQuestion {
    Cause,
    Effect,
}

/// One XCOPA item; `label` as in the dataset: 0 = `choice1` is right, 1 = `choice2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XcopaItem {
    pub idx: u32,
    pub premise: String,
    pub choice1: String,
    pub choice2: String,
    pub question: CopaQuestion,
    pub label: u8,
}

#[derive(Clone, Debug)]
pub struct XcopaTask {
    pub lang: LangRef,
    /// How the answer is read (generated and parsed, or chosen by likelihood).
    pub scoring: AnswerScoring,
    pub answer_max_new_tokens: usize,
    pub translate_max_new_tokens: usize,
}

impl XcopaTask {
    pub fn new(lang: LangRef) -> Self {
        XcopaTask {
            lang,
            scoring: AnswerScoring::Generate,
            answer_max_new_tokens: 5,
            translate_max_new_tokens: 128,
        }
    }
}

/// The XCOPA prompt: English instructions, inputs in whatever language they are given.
pub fn xcopa_prompt(premise: &str, question: CopaQuestion, choice1: &str, choice2: &str) -> String {
    let q = match question {
        CopaQuestion::Cause => "What was the cause?",
        CopaQuestion::Effect => "What happened as a result?",
    };
    format!(
        "Choose the more plausible alternative. Respond with 1 or 2.\n\
         Premise: {premise}\nQuestion: {q}\n1: {choice1}\n2: {choice2}\nAnswer:"
    )
}

impl Task for XcopaTask {
    type Item = XcopaItem;

    fn key(&self) -> String {
        format!("xcopa{}:{}", self.scoring.key_suffix(), self.lang.code)
    }

    fn endpoints(&self) -> Vec<String> {
        vec![self.lang.code.clone()]
    }

    fn item_id(&self, item: &XcopaItem) -> String {
        item.idx.to_string()
    }

    fn validate(&self, item: &XcopaItem) -> Result<(), EvalError> {
        if item.label > 1 {
            return Err(EvalError::InvalidItem {
                id: self.item_id(item),
                field: "label",
                problem: format!("is {}, expected 0 or 1", item.label),
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
            || ["1", "2"].iter().map(|o| format!(" {o}")).collect(),
        )
    }

    fn prompts(
        &self,
        item: &XcopaItem,
        mode: &PromptMode,
        step: usize,
        history: &[Vec<String>],
    ) -> Vec<String> {
        match (mode, step) {
            (PromptMode::Direct, 0) => vec![xcopa_prompt(
                &item.premise,
                item.question,
                &item.choice1,
                &item.choice2,
            )],
            (PromptMode::Bridge(b), 0) => [&item.premise, &item.choice1, &item.choice2]
                .iter()
                .map(|t| translate_prompt(&self.lang.name, &b.name, t))
                .collect(),
            (PromptMode::Bridge(_), 1) => {
                let texts: Vec<String> = history
                    .first()
                    .map(|h| h.iter().map(|o| first_line(o)).collect())
                    .unwrap_or_default();
                if texts.len() != 3 || texts.iter().any(String::is_empty) {
                    return Vec::new();
                }
                vec![xcopa_prompt(&texts[0], item.question, &texts[1], &texts[2])]
            }
            _ => Vec::new(),
        }
    }

    fn outcome(&self, item: &XcopaItem, mode: &PromptMode, history: &[Vec<String>]) -> Outcome {
        let answer = final_output(history, self.steps(mode).len()).and_then(parse_two_way);
        Outcome::Choice {
            prediction: answer.map(|a| a.to_string()),
            gold: vec![(item.label + 1).to_string()],
            correct: answer == Some(item.label + 1),
        }
    }

    fn metrics(&self, outcomes: &[Outcome]) -> Result<TaskMetrics, EvalError> {
        Ok(accuracy_metrics(outcomes))
    }
}
