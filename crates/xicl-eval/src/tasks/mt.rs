//! Machine translation on FLORES-200 devtest, scored by corpus BLEU, chrF and chrF++.
//!
//! Direct: `Translate the following text from {Src} to {Trg}:\n{text}\nTranslation:`.
//! Bridged ([`MtBridgeStyle::Pivot`], default): translate into the bridge first, then the
//! bridge text into the target. [`MtBridgeStyle::BothTexts`]: the second prompt shows the source
//! text and its bridge translation together.

use serde::{Deserialize, Serialize};

use crate::bleu::BleuConfig;
use crate::error::EvalError;
use crate::mode::{LangRef, PromptMode};
use crate::parse::first_line;
use crate::tasks::{
    Outcome, StepSpec, Task, TaskMetrics, final_output, translate_prompt, translation_metrics,
};

/// One parallel sentence pair (`index` = line number in the FLORES file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MtItem {
    pub index: usize,
    pub source: String,
    pub reference: String,
}

/// How the bridge translation enters the final prompt.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MtBridgeStyle {
    /// Source → bridge, then bridge → target (the target prompt sees only the bridge text).
    #[default]
    Pivot,
    /// Source → bridge, then both the source and the bridge text → target.
    BothTexts,
}

/// The translation task for one ordered language pair.
#[derive(Clone, Debug)]
pub struct MtTask {
    pub src: LangRef,
    pub trg: LangRef,
    pub max_new_tokens: usize,
    pub bridge_style: MtBridgeStyle,
    /// BLEU settings; the tokeniser follows the target language by default.
    pub bleu: BleuConfig,
}

impl MtTask {
    pub fn new(src: LangRef, trg: LangRef) -> Self {
        let bleu = BleuConfig::for_target(&trg.code);
        MtTask {
            src,
            trg,
            max_new_tokens: 256,
            bridge_style: MtBridgeStyle::Pivot,
            bleu,
        }
    }
}

/// The [`MtBridgeStyle::BothTexts`] prompt.
pub fn mt_both_texts_prompt(
    src: &str,
    trg: &str,
    text: &str,
    bri: &str,
    bridge_text: &str,
) -> String {
    format!(
        "Translate the following text from {src} to {trg}:\n{text}\n{bri} translation: {bridge_text}\nTranslation:"
    )
}

impl Task for MtTask {
    type Item = MtItem;

    fn key(&self) -> String {
        format!("mt:{}-{}", self.src.code, self.trg.code)
    }

    fn endpoints(&self) -> Vec<String> {
        vec![self.src.code.clone(), self.trg.code.clone()]
    }

    fn item_id(&self, item: &MtItem) -> String {
        item.index.to_string()
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
        item: &MtItem,
        mode: &PromptMode,
        step: usize,
        history: &[Vec<String>],
    ) -> Vec<String> {
        let (s, t) = (&self.src.name, &self.trg.name);
        match (mode, step) {
            (PromptMode::Direct, 0) => vec![translate_prompt(s, t, &item.source)],
            (PromptMode::Bridge(b), 0) => vec![translate_prompt(s, &b.name, &item.source)],
            (PromptMode::Bridge(b), 1) => {
                let bridge_text = history
                    .first()
                    .and_then(|h| h.first())
                    .map(|o| first_line(o))
                    .unwrap_or_default();
                if bridge_text.is_empty() {
                    return Vec::new();
                }
                vec![match self.bridge_style {
                    MtBridgeStyle::Pivot => translate_prompt(&b.name, t, &bridge_text),
                    MtBridgeStyle::BothTexts => {
                        mt_both_texts_prompt(s, t, &item.source, &b.name, &bridge_text)
                    }
                }]
            }
            _ => Vec::new(),
        }
    }

    fn outcome(&self, item: &MtItem, mode: &PromptMode, history: &[Vec<String>]) -> Outcome {
        Outcome::Translation {
            hypothesis: final_output(history, self.steps(mode).len())
                .map(first_line)
                .unwrap_or_default(),
            reference: item.reference.clone(),
        }
    }

    fn metrics(&self, outcomes: &[Outcome]) -> Result<TaskMetrics, EvalError> {
        translation_metrics(outcomes, &self.bleu)
    }
}
