//! Belebele reading comprehension: passage in one language, question and options in another.
//! Bridged = the passage is first translated into the bridge. Accuracy; docs/METHOD.md §6 uses the
//! first [`BELEBELE_ITEMS`] items.

use crate::error::EvalError;
use crate::mode::{LangRef, PromptMode};
use crate::parse::{first_line, parse_abcd};
use crate::tasks::{
    AnswerScoring, Outcome, StepSpec, Task, TaskMetrics, accuracy_metrics, answer_steps,
    final_output, translate_prompt,
};

/// docs/METHOD.md §6: the first 500 items.
pub const BELEBELE_ITEMS: usize = 500;

/// One question. `correct` is the number of the right option, 1..=4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BelebeleItem {
    pub link: String,
    pub question_number: u32,
    pub passage: String,
    pub question: String,
    pub options: [String; 4],
    pub correct: u8,
}

#[derive(Clone, Debug)]
pub struct BelebeleTask {
    pub passage_lang: LangRef,
    pub question_lang: LangRef,
    /// How the answer is read (generated and parsed, or chosen by likelihood).
    pub scoring: AnswerScoring,
    pub answer_max_new_tokens: usize,
    pub translate_max_new_tokens: usize,
}

impl BelebeleTask {
    pub fn new(passage_lang: LangRef, question_lang: LangRef) -> Self {
        BelebeleTask {
            passage_lang,
            question_lang,
            scoring: AnswerScoring::Generate,
            answer_max_new_tokens: 8,
            translate_max_new_tokens: 512,
        }
    }
}

/// docs/METHOD.md §6 Belebele prompt.
pub fn belebele_prompt(passage: &str, question: &str, options: &[String; 4]) -> String {
    format!(
        "Answer the following question based on the passage. Respond with A, B, C, or D.\n\
         Passage: {passage}\nQuestion: {question}\nChoices:\nA: {}\nB: {}\nC: {}\nD: {}\nAnswer:",
        options[0], options[1], options[2], options[3]
    )
}

const LETTERS: [&str; 4] = ["A", "B", "C", "D"];

impl Task for BelebeleTask {
    type Item = BelebeleItem;

    fn key(&self) -> String {
        format!(
            "belebele{}:{}-{}",
            self.scoring.key_suffix(),
            self.passage_lang.code,
            self.question_lang.code
        )
    }

    /// Only the passage language: bridging through the question language is meaningful.
    fn endpoints(&self) -> Vec<String> {
        vec![self.passage_lang.code.clone()]
    }

    fn item_id(&self, item: &BelebeleItem) -> String {
        format!("{}#{}", item.link, item.question_number)
    }

    fn validate(&self, item: &BelebeleItem) -> Result<(), EvalError> {
        if !(1..=4).contains(&item.correct) {
            return Err(EvalError::InvalidItem {
                id: self.item_id(item),
                field: "correct",
                problem: format!("is {}, expected 1..=4", item.correct),
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
            || {
                ["A", "B", "C", "D"]
                    .iter()
                    .map(|o| format!(" {o}"))
                    .collect()
            },
        )
    }

    fn prompts(
        &self,
        item: &BelebeleItem,
        mode: &PromptMode,
        step: usize,
        history: &[Vec<String>],
    ) -> Vec<String> {
        match (mode, step) {
            (PromptMode::Direct, 0) => {
                vec![belebele_prompt(
                    &item.passage,
                    &item.question,
                    &item.options,
                )]
            }
            (PromptMode::Bridge(b), 0) => vec![translate_prompt(
                &self.passage_lang.name,
                &b.name,
                &item.passage,
            )],
            (PromptMode::Bridge(_), 1) => {
                let passage = history
                    .first()
                    .and_then(|h| h.first())
                    .map(|o| first_line(o))
                    .unwrap_or_default();
                if passage.is_empty() {
                    Vec::new()
                } else {
                    vec![belebele_prompt(&passage, &item.question, &item.options)]
                }
            }
            _ => Vec::new(),
        }
    }

    fn outcome(&self, item: &BelebeleItem, mode: &PromptMode, history: &[Vec<String>]) -> Outcome {
        let answer = final_output(history, self.steps(mode).len()).and_then(parse_abcd);
        Outcome::Choice {
            prediction: answer.map(|a| LETTERS[usize::from(a - 1)].to_owned()),
            gold: vec![LETTERS[usize::from(item.correct.clamp(1, 4) - 1)].to_owned()],
            correct: answer == Some(item.correct),
        }
    }

    fn metrics(&self, outcomes: &[Outcome]) -> Result<TaskMetrics, EvalError> {
        Ok(accuracy_metrics(outcomes))
    }
}
