//! Where the commands read their text and word lists from: the data store (real FLORES-200,
//! MUSE/PanLex/Wiktionary, task files) or an in-memory fixture (tests, examples), behind one
//! trait so that every command runs unchanged on either.

use crate::commands::common::home_relative;
use anyhow::{Context, anyhow, bail};
use fetch::DataStore;
use muse_dict::Split;
use neuron_probe::{LanguageText, ProbeDictionary, Scenario, TextSelection};

/// The data a command needs besides the model.
pub trait Inputs {
    /// FLORES-200 text of a language for the statistics stage (`lang` is an ISO code).
    fn language_text(&self, lang: &str, selection: &TextSelection) -> anyhow::Result<LanguageText>;

    /// The `src → trg` word list, `split` of it (train for probes, test for BLI).
    fn dictionary(&self, src: &str, trg: &str, split: Split) -> anyhow::Result<ProbeDictionary>;

    /// The FLORES-200 devtest sentences of a language, in file order (translation items).
    fn flores(&self, lang: &str) -> anyhow::Result<Vec<String>>;

    /// The data store behind the inputs, for task files (XCOPA, SIB-200, Belebele); `None`
    /// for fixtures.
    fn store(&self) -> Option<&DataStore>;

    /// A line for reports saying where the data comes from.
    fn describe(&self) -> String;
}

impl Inputs for DataStore {
    fn language_text(&self, lang: &str, selection: &TextSelection) -> anyhow::Result<LanguageText> {
        neuron_probe::load_language_text(self, lang, selection)
            .with_context(|| format!("loading the FLORES-200 text of `{lang}`"))
    }

    fn dictionary(&self, src: &str, trg: &str, split: Split) -> anyhow::Result<ProbeDictionary> {
        neuron_probe::load_probe_dictionary(self, src, trg, split)
            .with_context(|| format!("loading the {src}-{trg} dictionary ({split:?} split)"))
    }

    fn flores(&self, lang: &str) -> anyhow::Result<Vec<String>> {
        let language = langs::get(lang)?;
        let rel = corpora::flores::devtest_rel(language.flores);
        let path = self.file(&rel).with_context(|| format!("fetching {rel}"))?;
        Ok(corpora::flores::read_devtest(&path)?)
    }

    fn store(&self) -> Option<&DataStore> {
        Some(self)
    }

    fn describe(&self) -> String {
        let root = home_relative(self.root());
        match self.mirror() {
            Some(m) => format!("{root} (mirror {})", home_relative(m)),
            None => root,
        }
    }
}

/// Texts and dictionaries held in memory, e.g. a [`Scenario`] of neuron-probe's fake model.
/// One dictionary per ordered pair serves every split.
#[derive(Debug, Clone, Default)]
pub struct FixtureInputs {
    pub texts: Vec<LanguageText>,
    pub dictionaries: Vec<ProbeDictionary>,
}

impl FixtureInputs {
    /// The texts and the one dictionary of a synthetic scenario.
    pub fn from_scenario(scenario: &Scenario) -> Self {
        FixtureInputs {
            texts: scenario.texts.clone(),
            dictionaries: vec![scenario.dictionary.clone()],
        }
    }

    fn text(&self, lang: &str) -> anyhow::Result<&LanguageText> {
        self.texts.iter().find(|t| t.lang == lang).ok_or_else(|| {
            anyhow!(
                "the fixture has no text for `{lang}` (it has: {})",
                self.texts
                    .iter()
                    .map(|t| t.lang.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}

impl Inputs for FixtureInputs {
    fn language_text(&self, lang: &str, selection: &TextSelection) -> anyhow::Result<LanguageText> {
        if selection.include_sib_dev {
            bail!("the fixture has no SIB-200 text; leave out --sib-dev");
        }
        let mut text = self.text(lang)?.clone();
        if let Some(n) = selection.max_sentences {
            text.sentences.truncate(n);
        }
        text.selection = selection.clone();
        Ok(text)
    }

    fn dictionary(&self, src: &str, trg: &str, _split: Split) -> anyhow::Result<ProbeDictionary> {
        self.dictionaries
            .iter()
            .find(|d| d.src == src && d.trg == trg)
            .cloned()
            .ok_or_else(|| anyhow!("the fixture has no {src}-{trg} dictionary"))
    }

    fn flores(&self, lang: &str) -> anyhow::Result<Vec<String>> {
        Ok(self.text(lang)?.sentences.clone())
    }

    fn store(&self) -> Option<&DataStore> {
        None
    }

    fn describe(&self) -> String {
        "in-memory fixture".to_string()
    }
}
