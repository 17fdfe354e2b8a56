//! Downstream evaluation of BridgeX-ICL (docs/METHOD.md §6): does prompting through a bridge
//! language help a model on a low-resource language, and which bridge?
//!
//! * Metrics with sacreBLEU 2.x's exact definitions: corpus and sentence [BLEU](bleu) (13a,
//!   zh, char tokenisers; exp smoothing by default) and [chrF / chrF++](chrf); the tokeniser per
//!   target language is documented in [`tokenize`].
//! * [Tasks](tasks) as pure logic: word translation (BLI), machine translation, Belebele,
//!   XCOPA and SIB-200, each with its direct and bridged prompts, answer parsing ([`parse`]) and
//!   scoring.
//! * A [runner](runner) that sends a task's prompts in batches to any [`Generator`] (the model is
//!   behind that trait; this crate has no model code), appends every output to a resumable JSON
//!   Lines file ([`store`]) and returns a serialisable [`RunSummary`].
//! * [Baseline](baseline) aggregation: direct, English bridge, each candidate, oracle, random,
//!   HSIC-chosen and FLORES-similarity-chosen.
//! * [Significance](significance): paired bootstrap intervals, exact McNemar, paired
//!   permutation tests of corpus chrF++/BLEU, sign and Wilcoxon signed-rank tests, Holm's
//!   correction and the cross-fitted oracle.
//!
//! ```rust
//! use xicl_eval::{BliItem, BliTask, Generator, GenerateError, LangRef, PromptMode, RunOptions};
//! use xicl_eval::{ChrfConfig, BleuConfig, corpus_bleu, corpus_chrf, run_task};
//!
//! // sacreBLEU figures
//! let hyps = ["The cat sat on the mat."];
//! let refs = ["The cat sat on a mat."];
//! let bleu = corpus_bleu(&hyps, &refs, &BleuConfig::default()).unwrap();
//! let chrfpp = corpus_chrf(&hyps, &refs, &ChrfConfig::chrf_pp()).unwrap();
//! assert!(bleu.score > 0.0 && chrfpp.score > bleu.score);
//!
//! // a stand-in model that answers every word-translation prompt with "Wasser"
//! struct Fake;
//! impl Generator for Fake {
//!     fn generate(&mut self, prompts: &[String], _max: usize, _stop: &[&str])
//!         -> Result<Vec<String>, GenerateError> {
//!         Ok(prompts.iter().map(|_| " \"Wasser\"".to_owned()).collect())
//!     }
//! }
//! let task = BliTask::new(LangRef::new("en", "English"), LangRef::new("de", "Deutsch"));
//! let items = vec![
//!     BliItem { source: "water".into(), targets: vec!["wasser".into()] },
//!     BliItem { source: "fire".into(), targets: vec!["feuer".into()] },
//! ];
//! let dir = std::env::temp_dir().join(format!("xicl-eval-doc-{}", std::process::id()));
//! let out = dir.join("bli.jsonl");
//! let opts = RunOptions { progress: false, ..RunOptions::default() };
//! let summary = run_task(&mut Fake, &task, &items, &PromptMode::Direct, &out, &opts).unwrap();
//! assert_eq!(summary.primary(), 50.0); // accuracy in percent
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

pub mod baseline;
pub mod bleu;
pub mod chrf;
pub mod error;
pub mod generator;
pub mod memo;
pub mod mode;
pub mod parse;
mod pytext;
pub mod runner;
pub mod significance;
pub mod store;
pub mod tasks;
pub mod tokenize;

pub use baseline::{
    Baseline, BaselineReport, BaselineRow, BaselineSpec, DEFAULT_CANDIDATES, default_candidates,
    route_scores,
};
pub use bleu::{
    BleuConfig, BleuScore, Smoothing, bleu_from_statistics, bleu_statistics, corpus_bleu,
    corpus_bleu_multi, sentence_bleu,
};
pub use chrf::{
    ChrfConfig, ChrfScore, chrf_from_statistics, corpus_chrf, corpus_chrf_multi, sentence_chrf,
};
pub use error::{EvalError, MetricError};
pub use generator::{GenerateError, Generator};
pub use memo::MemoGenerator;
pub use mode::{LangRef, PromptMode, Route};
pub use runner::{RunOptions, RunSummary, ScoredItem, run_task};
pub use store::{ItemRecord, JsonlStore, Provenance, ResultStore, StoreRecord};
pub use tasks::belebele::{BELEBELE_ITEMS, BelebeleItem, BelebeleTask, belebele_prompt};
pub use tasks::bli::{BliItem, BliTask, bli_bridged_prompt, bli_prompt};
pub use tasks::mt::{MtBridgeStyle, MtItem, MtTask, mt_both_texts_prompt};
pub use tasks::sib::{SibItem, SibTask, sib_prompt};
pub use tasks::xcopa::{CopaQuestion, XcopaItem, XcopaTask, xcopa_prompt};
pub use tasks::{AnswerScoring, Outcome, StepSpec, Task, TaskMetrics, translate_prompt};
pub use tokenize::BleuTokenizer;
