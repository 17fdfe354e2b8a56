//! Where a run reads its text and word lists: the [`Inputs`] trait, implemented by the data
//! store (FLORES/SIB-200 text, pair dictionaries, with the sha256 of every file read, for
//! artifact keys) and, for tests, by `testkit::FixtureInputs`.

use std::collections::BTreeMap;

use fetch::DataStore;
use muse_dict::Split;

use crate::error::Result;
use crate::probe::{ProbeDictionary, ProbeEntry};
use crate::stats::{DataFile, LanguageText, TextSelection};

/// The data a run needs besides the model.
pub trait Inputs {
    /// FLORES-200 text of a language for the statistics stage (`lang` is an ISO code).
    fn language_text(&self, lang: &str, selection: &TextSelection) -> Result<LanguageText>;

    /// The `src → trg` word list, `split` of it (train for probes, test for BLI).
    fn dictionary(&self, src: &str, trg: &str, split: Split) -> Result<ProbeDictionary>;

    /// The FLORES-200 devtest sentences of a language, in file order (translation items).
    fn flores(&self, lang: &str) -> Result<Vec<String>>;

    /// The data store behind the inputs, for task files (XCOPA, SIB-200, Belebele); `None`
    /// for fixtures.
    fn store(&self) -> Option<&DataStore>;
}

impl Inputs for DataStore {
    fn language_text(&self, lang: &str, selection: &TextSelection) -> Result<LanguageText> {
        load_language_text(self, lang, selection)
    }

    fn dictionary(&self, src: &str, trg: &str, split: Split) -> Result<ProbeDictionary> {
        load_probe_dictionary(self, src, trg, split)
    }

    fn flores(&self, lang: &str) -> Result<Vec<String>> {
        let language = langs::get(lang)?;
        let rel = corpora::flores::devtest_rel(language.flores);
        let (path, _) = data_file(self, &rel)?;
        Ok(corpora::flores::read_devtest(&path)?)
    }

    fn store(&self) -> Option<&DataStore> {
        Some(self)
    }
}

/// SIB-200 `index_id`s below this are FLORES `dev` sentences (ids 0..=996).
pub const SIB_DEV_LIMIT: u32 = 997;

fn data_file(store: &DataStore, rel: &str) -> Result<(std::path::PathBuf, DataFile)> {
    let path = store.file(rel)?;
    // `file` verified the bytes against the manifest, so its sha256 is the file's.
    let sha256 = store.manifest().get(rel)?.sha256.clone();
    Ok((
        path,
        DataFile {
            path: rel.to_string(),
            sha256,
        },
    ))
}

/// The FLORES-200 devtest sentences of `lang` (ISO or FLORES code), optionally followed by the
/// FLORES dev sentences that SIB-200 carries (rows with `index_id < 997` of its three files, in
/// index order), cut to `selection.max_sentences` in total.
pub fn load_language_text(
    store: &DataStore,
    lang: &str,
    selection: &TextSelection,
) -> Result<LanguageText> {
    let language = langs::get(lang)?;
    let mut files = Vec::new();
    let rel = corpora::flores::devtest_rel(language.flores);
    let (path, file) = data_file(store, &rel)?;
    let mut sentences = corpora::flores::read_devtest(&path)?;
    files.push(file);
    if selection.include_sib_dev {
        let mut dev: BTreeMap<u32, String> = BTreeMap::new();
        for split in ["train", "dev", "test"] {
            let rel = corpora::sib200::split_rel(language.flores, split);
            let (path, file) = data_file(store, &rel)?;
            for item in corpora::sib200::read(&path)? {
                if item.index_id < SIB_DEV_LIMIT {
                    dev.entry(item.index_id).or_insert(item.text);
                }
            }
            files.push(file);
        }
        sentences.extend(dev.into_values());
    }
    let selection = selection.apply(&mut sentences);
    Ok(LanguageText {
        lang: language.code.to_string(),
        sentences,
        files,
        selection,
    })
}

/// The `src → trg` dictionary (`split` of it) as muse-dict resolves the pair: MUSE directly,
/// MUSE top-10k, PanLex-BLI, Wiktionary for Swahili, or an English pivot.
pub fn load_probe_dictionary(
    store: &DataStore,
    src: &str,
    trg: &str,
    split: Split,
) -> Result<ProbeDictionary> {
    let (src, trg) = (langs::get(src)?.code, langs::get(trg)?.code);
    let plan = muse_dict::plan_pair(src, trg, split)?;
    let mut files = Vec::new();
    for rel in plan.files() {
        files.push(data_file(store, &rel)?.1);
    }
    let provider = |rel: &str| -> std::result::Result<std::path::PathBuf, muse_dict::BoxError> {
        store.file(rel).map_err(Into::into)
    };
    let dict = plan.load(&provider)?;
    Ok(ProbeDictionary {
        src: src.to_string(),
        trg: trg.to_string(),
        origin: plan.source.to_string(),
        split: plan.describe(),
        files,
        entries: dict
            .entries()
            .iter()
            .map(|e| ProbeEntry {
                source: e.source.clone(),
                targets: e.targets.clone(),
            })
            .collect(),
    })
}
