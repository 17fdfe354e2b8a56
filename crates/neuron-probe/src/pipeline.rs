//! The stages chained: the only place that does so. The cli commands (`stats`, `probe`,
//! `similarity`, `bridge`), `cargo xtask reproduce` and library users call these functions;
//! each returns its value with a [`StageLog`](crate::StageLog) of what it computed and what it
//! found in the artifact cache.

use muse_dict::Split;
use overlap::{LanguageSets, SimilarityMatrices};

use crate::bridge::{BridgeReport, rank_bridges};
use crate::confidence::{bridge_confidence, bridge_confidence_words};
use crate::context::RunContext;
use crate::data::Inputs;
use crate::error::{ProbeError, Result};
use crate::model::NeuronModel;
use crate::params::{PipelineParams, Resample, SimilarityParams};
use crate::probe::{ProbeActivations, ProbeParams, probe};
use crate::scoring::{language_sets, similarity};
use crate::staged::{StageLog, Staged};
use crate::stats::{LanguageStats, StatsParams, TextSelection, language_stats};

/// ISO codes of `languages` (ISO or FLORES codes), each checked and kept once, in order.
pub fn resolve_languages(languages: &[&str]) -> Result<Vec<&'static str>> {
    let mut out: Vec<&'static str> = Vec::with_capacity(languages.len());
    for l in languages {
        let code = langs::get(l)?.code;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

/// The candidate bridges of `source → target`: the given ones (checked: a bridge is a third
/// language), or docs/METHOD.md's default, en de fr it pt es minus the pair.
pub fn resolve_candidates(source: &str, target: &str, given: &[&str]) -> Result<Vec<&'static str>> {
    let (source, target) = (langs::get(source)?.code, langs::get(target)?.code);
    if given.is_empty() {
        return Ok(overlap::default_candidates(source, target));
    }
    let out = resolve_languages(given)?;
    if let Some(c) = out.iter().find(|&&c| c == source || c == target) {
        return Err(ProbeError::param(
            "candidates",
            format!(
                "`{c}` is the source or the target of {source}-{target}; a bridge must be a third language"
            ),
        ));
    }
    Ok(out)
}

/// Statistics of `languages` (ISO or FLORES codes; each counted once) over their FLORES text,
/// each loaded from its artifact or computed and saved.
pub fn stats_for_languages<M: NeuronModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    languages: &[&str],
    text: &TextSelection,
    params: &StatsParams,
    ctx: &RunContext,
) -> Result<Staged<Vec<LanguageStats>>> {
    let texts = resolve_languages(languages)?
        .into_iter()
        .map(|l| inputs.language_text(l, text))
        .collect::<Result<Vec<_>>>()?;
    language_stats(model, &texts, params, ctx)
}

/// The probe of `source → target` from the `split` of the pair's dictionary (train for the
/// method, docs/METHOD.md §3).
pub fn probe_pair<M: NeuronModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    source: &str,
    target: &str,
    split: Split,
    params: &ProbeParams,
    ctx: &RunContext,
) -> Result<Staged<ProbeActivations>> {
    let (source, target) = (langs::get(source)?.code, langs::get(target)?.code);
    let dict = inputs.dictionary(source, target, split)?;
    tracing::info!(
        "{source}-{target} probe words from {} ({}, {} entries)",
        dict.origin,
        dict.split,
        dict.entries.len()
    );
    probe(model, &dict, params, ctx)
}

/// The statistics of some languages and the similarity of their neuron sets.
#[derive(Debug, Clone, PartialEq)]
pub struct SimilarityRun {
    /// In the order of the languages asked for.
    pub stats: Vec<LanguageStats>,
    /// The sets the matrices compare.
    pub sets: LanguageSets,
    pub matrices: SimilarityMatrices,
}

/// Similarity matrices of `languages` (docs/METHOD.md §2).
pub fn similarity_for_languages<M: NeuronModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    languages: &[&str],
    params: &SimilarityParams,
    ctx: &RunContext,
) -> Result<Staged<SimilarityRun>> {
    let staged = stats_for_languages(model, inputs, languages, &params.text, &params.stats, ctx)?;
    let codes: Vec<&str> = staged.value.iter().map(|s| s.lang.as_str()).collect();
    let sets = language_sets(&staged.value, &params.sets, params.generic)?;
    let matrices = similarity(&staged.value, &sets, &codes)?;
    Ok(staged.map(|stats| SimilarityRun {
        stats,
        sets,
        matrices,
    }))
}

/// The whole method for one pair: statistics of the pair and the candidates, the probe from
/// the train split, and the HSIC ranking. `candidates` empty = en de fr it pt es minus the
/// pair. The report carries every setting (`report.pipeline`).
pub fn bridge_for_pair<M: NeuronModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    source: &str,
    target: &str,
    candidates: &[&str],
    params: &PipelineParams,
    ctx: &RunContext,
) -> Result<Staged<BridgeReport>> {
    let source = langs::get(source)?.code;
    let target = langs::get(target)?.code;
    if source == target {
        return Err(ProbeError::param(
            "target",
            format!("source and target are both `{source}`"),
        ));
    }
    let candidates = resolve_candidates(source, target, candidates)?;
    let mut languages = vec![source, target];
    languages.extend(&candidates);
    let mut log = StageLog::default();
    let stats = stats_for_languages(model, inputs, &languages, &params.text, &params.stats, ctx)?;
    log.merge(&stats.log);
    let activations = probe_pair(
        model,
        inputs,
        source,
        target,
        Split::Train,
        &params.probe,
        ctx,
    )?;
    log.merge(&activations.log);
    let identity = model.identity();
    let mut report = rank_bridges(
        &stats.value,
        &activations.value,
        &candidates,
        &params.bridge,
        &identity,
    )?;
    if params.confidence.replicates > 0 {
        let confidence = match params.confidence.resample {
            Resample::Samples => bridge_confidence(
                &stats.value,
                &activations.value,
                &candidates,
                &params.bridge,
                &identity,
                report.chosen.as_deref(),
                &params.confidence,
            )?,
            Resample::Words { pool } => {
                // The pool is a probe of more words, the same seeded order and filter: its own
                // artifact, computed once.
                let pool_params = ProbeParams {
                    probe_size: pool,
                    ..params.probe.clone()
                };
                let pool = probe_pair(
                    model,
                    inputs,
                    source,
                    target,
                    Split::Train,
                    &pool_params,
                    ctx,
                )?;
                log.merge(&pool.log);
                bridge_confidence_words(
                    &stats.value,
                    &pool.value,
                    activations.value.samples(),
                    &candidates,
                    &params.bridge,
                    &identity,
                    report.chosen.as_deref(),
                    &params.confidence,
                )?
            }
        };
        report.confidence = Some(confidence);
    }
    report.pipeline = Some(params.clone());
    Ok(Staged::new(report, log))
}
