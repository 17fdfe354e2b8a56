//! Downstream tasks of docs/METHOD.md §6 as pure logic: prompts per generation step, answer reading,
//! item outcome and task metrics. No model here; the runner feeds generations in.
//!
//! A task is evaluated in steps. Direct prompting is one step. Bridged prompting first asks the
//! model for bridge-language text (a bridge word, a translation of the inputs), then builds the
//! final prompt from it. Each step's prompts may depend on the earlier steps' outputs (the
//! *history*: one `Vec<String>` of outputs per finished step, in prompt order). A step may give
//! an item no prompt at all (its bridge output was unusable); the item then counts as wrong.

pub mod belebele;
pub mod bli;
pub mod mt;
pub mod sib;
pub mod xcopa;

use serde::{Deserialize, Serialize};

use crate::bleu::{BleuConfig, BleuScore, corpus_bleu};
use crate::chrf::{ChrfConfig, corpus_chrf};
use crate::error::EvalError;
use crate::mode::PromptMode;

/// Settings of one step: generate, or choose among `options` by likelihood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepSpec {
    pub max_new_tokens: usize,
    pub stop: Vec<String>,
    /// Non-empty: the step's output is the option most likely to follow the prompt (ties go
    /// to the first), nothing is generated.
    pub options: Vec<String>,
}

impl StepSpec {
    /// Stop at the end of the line: every answer and translation here is one line.
    pub fn line(max_new_tokens: usize) -> Self {
        StepSpec {
            max_new_tokens,
            stop: vec!["\n".to_owned()],
            options: Vec::new(),
        }
    }

    /// How the step decodes, as results record it (`generate max_new_tokens=30 stop=["\n"]`,
    /// `choose ["A", "B"]`).
    pub fn describe(&self) -> String {
        if self.is_choice() {
            format!("choose {:?}", self.options)
        } else {
            format!(
                "generate max_new_tokens={} stop={:?}",
                self.max_new_tokens, self.stop
            )
        }
    }

    /// Choose the most likely of `options` as the step's output.
    pub fn choose(options: Vec<String>) -> Self {
        StepSpec {
            max_new_tokens: 0,
            stop: Vec::new(),
            options,
        }
    }

    pub fn is_choice(&self) -> bool {
        !self.options.is_empty()
    }
}

/// How a classification task (XCOPA, SIB-200, Belebele) reads the model's answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnswerScoring {
    /// docs/METHOD.md §6: greedy generation, the answer parsed from the text (unparsable = wrong).
    #[default]
    Generate,
    /// The answer option whose text is most likely after the prompt, as lm-eval-harness scores
    /// multiple choice. Base models that never write a label still get a reading; bridged
    /// routes still generate their translations.
    Loglik,
}

impl AnswerScoring {
    /// Appended to the task's key, so the two scorings never share a results file.
    pub fn key_suffix(self) -> &'static str {
        match self {
            AnswerScoring::Generate => "",
            AnswerScoring::Loglik => "-loglik",
        }
    }
}

impl std::str::FromStr for AnswerScoring {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "generate" => Ok(AnswerScoring::Generate),
            "loglik" | "loglikelihood" => Ok(AnswerScoring::Loglik),
            other => Err(format!(
                "unknown answer scoring `{other}` (expected generate or loglik)"
            )),
        }
    }
}

impl std::fmt::Display for AnswerScoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AnswerScoring::Generate => "generate",
            AnswerScoring::Loglik => "loglik",
        })
    }
}

/// Steps of a classification task: when bridged, its inputs translated into the bridge first;
/// then the answer, generated or chosen among `options` (continuations of the answer prompt).
pub(crate) fn answer_steps(
    mode: &PromptMode,
    scoring: AnswerScoring,
    translate_max_new_tokens: usize,
    answer_max_new_tokens: usize,
    options: impl FnOnce() -> Vec<String>,
) -> Vec<StepSpec> {
    let answer = match scoring {
        AnswerScoring::Generate => StepSpec::line(answer_max_new_tokens),
        AnswerScoring::Loglik => StepSpec::choose(options()),
    };
    match mode {
        PromptMode::Direct => vec![answer],
        PromptMode::Bridge(_) => vec![StepSpec::line(translate_max_new_tokens), answer],
    }
}

/// How one item turned out.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Tasks scored by exact answer: BLI, Belebele, XCOPA, SIB-200.
    Choice {
        /// The parsed answer; `None` = parse failure (wrong).
        prediction: Option<String>,
        /// The accepted answers.
        gold: Vec<String>,
        correct: bool,
    },
    /// Machine translation, scored at corpus level.
    Translation {
        hypothesis: String,
        reference: String,
    },
}

/// Scores of a run. Accuracy is in percent so that every score shares the 0..=100 scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskMetrics {
    Accuracy {
        total: usize,
        correct: usize,
        parse_failures: usize,
        /// 100 * correct / total.
        accuracy: f64,
    },
    Translation {
        segments: usize,
        empty_hypotheses: usize,
        bleu: BleuScore,
        chrf: f64,
        chrf_pp: f64,
    },
}

impl TaskMetrics {
    /// The headline number: accuracy, or chrF++ for translation (docs/METHOD.md §6).
    pub fn primary(&self) -> f64 {
        match self {
            TaskMetrics::Accuracy { accuracy, .. } => *accuracy,
            TaskMetrics::Translation { chrf_pp, .. } => *chrf_pp,
        }
    }

    /// Every score by name: `accuracy`, or `bleu`, `chrf`, `chrf++`.
    pub fn named(&self) -> Vec<(&'static str, f64)> {
        match self {
            TaskMetrics::Accuracy { accuracy, .. } => vec![("accuracy", *accuracy)],
            TaskMetrics::Translation {
                bleu,
                chrf,
                chrf_pp,
                ..
            } => vec![("bleu", bleu.score), ("chrf", *chrf), ("chrf++", *chrf_pp)],
        }
    }

    /// One score by name (see [`TaskMetrics::named`]).
    pub fn get(&self, name: &str) -> Option<f64> {
        self.named()
            .into_iter()
            .find_map(|(n, v)| (n == name).then_some(v))
    }
}

/// A downstream task.
pub trait Task {
    type Item;

    /// Task and languages, e.g. `bli:en-de`; written into every result line so that results of
    /// different runs are never mixed.
    fn key(&self) -> String;

    /// Codes of the languages a bridge may not be (the task's own source/target).
    fn endpoints(&self) -> Vec<String>;

    /// A unique, stable id of an item (resume key).
    fn item_id(&self, item: &Self::Item) -> String;

    /// Reject an item whose gold answer cannot be scored.
    fn validate(&self, _item: &Self::Item) -> Result<(), EvalError> {
        Ok(())
    }

    /// Generation settings of each step for this mode.
    fn steps(&self, mode: &PromptMode) -> Vec<StepSpec>;

    /// Prompts of step `step` for one item, given the outputs of the earlier steps.
    fn prompts(
        &self,
        item: &Self::Item,
        mode: &PromptMode,
        step: usize,
        history: &[Vec<String>],
    ) -> Vec<String>;

    /// The item's outcome from the outputs of all steps.
    fn outcome(&self, item: &Self::Item, mode: &PromptMode, history: &[Vec<String>]) -> Outcome;

    /// Run-level scores from the outcomes of all items.
    fn metrics(&self, outcomes: &[Outcome]) -> Result<TaskMetrics, EvalError>;
}

/// docs/METHOD.md §6 translation prompt, also used to carry task inputs into the bridge language.
pub fn translate_prompt(src: &str, trg: &str, text: &str) -> String {
    format!("Translate the following text from {src} to {trg}:\n{text}\nTranslation:")
}

/// The output of the last step that gave this item prompts, if the item reached the final step.
pub(crate) fn final_output(history: &[Vec<String>], steps: usize) -> Option<&str> {
    if history.len() != steps {
        return None;
    }
    history.last()?.first().map(String::as_str)
}

/// Accuracy over choice outcomes (translation outcomes count as wrong).
pub fn accuracy_metrics(outcomes: &[Outcome]) -> TaskMetrics {
    let mut correct = 0;
    let mut parse_failures = 0;
    for o in outcomes {
        match o {
            Outcome::Choice {
                prediction,
                correct: c,
                ..
            } => {
                correct += usize::from(*c);
                parse_failures += usize::from(prediction.is_none());
            }
            Outcome::Translation { .. } => parse_failures += 1,
        }
    }
    let total = outcomes.len();
    TaskMetrics::Accuracy {
        total,
        correct,
        parse_failures,
        accuracy: if total == 0 {
            0.0
        } else {
            100.0 * correct as f64 / total as f64
        },
    }
}

/// Corpus BLEU, chrF and chrF++ over translation outcomes (choice outcomes count as empty
/// hypotheses against an empty reference).
pub fn translation_metrics(
    outcomes: &[Outcome],
    bleu: &BleuConfig,
) -> Result<TaskMetrics, EvalError> {
    let mut hyps = Vec::with_capacity(outcomes.len());
    let mut refs = Vec::with_capacity(outcomes.len());
    for o in outcomes {
        match o {
            Outcome::Translation {
                hypothesis,
                reference,
            } => {
                hyps.push(hypothesis.as_str());
                refs.push(reference.as_str());
            }
            Outcome::Choice { .. } => {
                hyps.push("");
                refs.push("");
            }
        }
    }
    Ok(TaskMetrics::Translation {
        segments: hyps.len(),
        empty_hypotheses: hyps.iter().filter(|h| h.trim().is_empty()).count(),
        bleu: corpus_bleu(&hyps, &refs, bleu)?,
        chrf: corpus_chrf(&hyps, &refs, &ChrfConfig::chrf())?.score,
        chrf_pp: corpus_chrf(&hyps, &refs, &ChrfConfig::chrf_pp())?.score,
    })
}
