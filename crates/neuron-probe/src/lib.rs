//! neuron-probe: the data-to-bridge pipeline of BridgeX-ICL (docs/METHOD.md §2–§5), generic over the
//! model.
//!
//! 1. **Language statistics** ([`language_stats`]): FLORES-200 text per language, tokenised
//!    without BOS, concatenated, cut into windows (default 2048 tokens, BOS first), run through
//!    the model; per neuron `over_zero`, `sum`, `sum_sq` over every non-BOS token.
//! 2. **Probe** ([`probe`]): dictionary words (train split), the prompt
//!    `{Src}:"{word}"→{Trg}:`, the "totally understand" filter (greedy translation must match a
//!    gold target; fallback to unfiltered below a minimum), and the per-prompt mean activations
//!    as `A[layer, neuron, sample]`.
//! 3. **Bridge ranking** ([`rank_bridges`]): language sets, `O_st`, bridge sets (crate
//!    `overlap`) and HSIC scores over the middle-layer window (crate `hsic`), as a serde
//!    [`BridgeReport`]; [`similarity`] gives the language-similarity matrices.
//!
//! Stages 1 and 2 save their outputs as safetensors + JSON artifacts ([`ArtifactStore`]), keyed
//! by the model digest, the input files' digests and every parameter; the JSON is written last
//! as the commit marker, so an interrupted run resumes at the first unfinished language or pair
//! and never trusts a half-written artifact. [`pipeline`] chains the stages (the only place that
//! does), reading texts and word lists through [`Inputs`] (the data store, or in-memory
//! fixtures), and returns each result with a [`StageLog`] of what was computed and what came
//! from the cache.
//!
//! The model is anything implementing [`NeuronModel`]: `llm_runtime::Model` through
//! [`RuntimeModel`] (feature `runtime`, default on), or the synthetic `testkit::FakeModel`
//! (feature `testkit`) used by the tests and the example below, whose construction fixes which
//! bridge must win.
//!
//! ```rust
//! use neuron_probe::testkit::{Scenario, ScenarioSize};
//! use neuron_probe::{
//!     ArtifactStore, BridgeParams, NeuronModel, ProbeParams, RunContext, SetMethod, StatsParams,
//!     Threshold, language_stats, probe, rank_bridges,
//! };
//!
//! // A synthetic world built so that "pt" is the bridge of en→sw.
//! let world = Scenario::new("en", "sw", "pt", &["de", "pt", "es"], ScenarioSize::default())?;
//! let mut model = world.model.clone();
//! let dir = tempfile::tempdir().map_err(|e| neuron_probe::ProbeError::io("tempdir", e))?;
//! let ctx = RunContext::new(ArtifactStore::new(dir.path())).quiet();
//!
//! let stats_params = StatsParams { window_tokens: 64, ..StatsParams::default() };
//! let stats = language_stats(&mut model, &world.texts, &stats_params, &ctx)?.value;
//! let probe_params = ProbeParams { probe_size: 40, min_survivors: 20, ..ProbeParams::default() };
//! let a = probe(&mut model, &world.dictionary, &probe_params, &ctx)?.value;
//! assert_eq!(a.summary.samples, 40);
//!
//! let params = BridgeParams {
//!     sets: SetMethod::TopRate { top_rate: 0.1, threshold: Threshold::Quantile },
//!     ..BridgeParams::default()
//! };
//! let report = rank_bridges(&stats, &a, &["de", "pt", "es"], &params, &model.identity())?;
//! assert_eq!(report.chosen.as_deref(), Some("pt"));
//!
//! // The same inputs again: everything comes from the artifacts, the model is not called.
//! let mut again = world.model.clone();
//! let stats_again = language_stats(&mut again, &world.texts, &stats_params, &ctx)?;
//! let probe_again = probe(&mut again, &world.dictionary, &probe_params, &ctx)?;
//! assert_eq!(again.calls.total(), 0);
//! assert_eq!(stats_again.log.stats.cached.len(), world.texts.len());
//! assert_eq!(probe_again.log.probe.cached, vec!["en-sw".to_string()]);
//! # Ok::<(), neuron_probe::ProbeError>(())
//! ```

pub mod artifacts;
pub mod bridge;
pub mod confidence;
pub mod context;
pub mod data;
pub mod error;
pub mod model;
pub mod params;
pub mod pipeline;
pub mod probe;
#[cfg(feature = "runtime")]
pub mod runtime_adapter;
pub mod scoring;
pub mod staged;
pub mod stats;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod windows;

pub use artifacts::ArtifactStore;
pub use bridge::{
    BridgeReport, CandidateReport, LanguageReport, LayerReport, OverlapReport, rank_bridges,
};
pub use confidence::{
    CandidateConfidence, Confidence, Verdict, bootstrap_indices, bridge_confidence,
    bridge_confidence_words, word_draw_indices,
};
pub use context::RunContext;
pub use data::{Inputs, load_language_text, load_probe_dictionary};
pub use error::{ProbeError, Result};
pub use model::{CaptureSite, CorpusStats, ModelIdentity, NeuronModel};
pub use params::{BridgeParams, ConfidenceParams, PipelineParams, Resample, SimilarityParams};
pub use pipeline::{
    SimilarityRun, bridge_for_pair, probe_pair, resolve_candidates, resolve_languages,
    similarity_for_languages, stats_for_languages,
};
pub use probe::{
    Judgement, ProbeActivations, ProbeDictionary, ProbeEntry, ProbeParams, ProbeSummary, probe,
    probe_prompt,
};
#[cfg(feature = "runtime")]
pub use runtime_adapter::RuntimeModel;
pub use scoring::{language_sets, similarity, stats_table};
pub use staged::{StageCache, StageLog, Staged};
pub use stats::{
    DataFile, LanguageStats, LanguageText, StatsParams, TextSelection, language_stats,
};
pub use windows::{Windows, build_windows, cut_windows};

// Types of the crates this one orchestrates that appear in its parameters and reports.
pub use hsic::{
    Engine, EqualSizes, HsicConfig, LayerAggregation, LayerWindow, ScoreKind, SigmaRule,
};
pub use muse_dict::Split;
pub use overlap::{BridgeVariant, GenericNeurons, SetMethod, SimilarityMatrices, Threshold};
