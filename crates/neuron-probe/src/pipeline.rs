//! The stages chained on real data: what the CLI commands `stats`, `probe`, `similarity` and
//! `bridge` call.

use fetch::DataStore;
use muse_dict::Split;
use overlap::{SetMethod, SimilarityMatrices};
use serde::{Deserialize, Serialize};

use crate::bridge::{BridgeParams, BridgeReport, rank_bridges, similarity};
use crate::context::RunContext;
use crate::data::{load_language_text, load_probe_dictionary};
use crate::error::{ProbeError, Result};
use crate::model::NeuronModel;
use crate::probe::{ProbeActivations, ProbeParams, probe};
use crate::stats::{LanguageStats, StatsParams, TextSelection, language_stats};

/// All parameters of a bridge computation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PipelineParams {
    pub text: TextSelection,
    pub stats: StatsParams,
    pub probe: ProbeParams,
    pub bridge: BridgeParams,
}

fn split_name(split: Split) -> &'static str {
    match split {
        Split::Train => "train",
        Split::Test => "test",
        Split::Full => "full",
    }
}

/// Statistics of `languages` (ISO or FLORES codes) over their FLORES text, each loaded from its
/// artifact or computed and saved.
pub fn stats_for_languages<M: NeuronModel + ?Sized>(
    model: &mut M,
    data: &DataStore,
    languages: &[&str],
    text: &TextSelection,
    params: &StatsParams,
    ctx: &RunContext,
) -> Result<Vec<LanguageStats>> {
    let mut texts = Vec::with_capacity(languages.len());
    for lang in languages {
        let t = load_language_text(data, lang, text)?;
        if !texts
            .iter()
            .any(|x: &crate::stats::LanguageText| x.lang == t.lang)
        {
            texts.push(t);
        }
    }
    language_stats(model, &texts, params, ctx)
}

/// The probe of `source → target` from the `split` of the pair's dictionary (METHOD.md: train).
pub fn probe_pair<M: NeuronModel + ?Sized>(
    model: &mut M,
    data: &DataStore,
    source: &str,
    target: &str,
    split: Split,
    params: &ProbeParams,
    ctx: &RunContext,
) -> Result<ProbeActivations> {
    let dict = load_probe_dictionary(data, source, target, split)?;
    tracing::info!(
        "{}-{} probe words from {} ({} split, {} source words)",
        dict.src,
        dict.trg,
        dict.origin,
        split_name(split),
        dict.entries.len()
    );
    probe(model, &dict, params, ctx)
}

/// Similarity matrices of `languages` (METHOD.md §2).
pub fn similarity_for_languages<M: NeuronModel + ?Sized>(
    model: &mut M,
    data: &DataStore,
    languages: &[&str],
    text: &TextSelection,
    stats: &StatsParams,
    method: &SetMethod,
    ctx: &RunContext,
) -> Result<SimilarityMatrices> {
    let all = stats_for_languages(model, data, languages, text, stats, ctx)?;
    let codes: Vec<&str> = all.iter().map(|s| s.lang.as_str()).collect();
    similarity(&all, method, &codes)
}

/// The whole method for one pair: statistics of the pair and the candidates, the probe from
/// the train split, and the HSIC ranking. `candidates` empty = en de fr it pt es minus the pair.
pub fn bridge_for_pair<M: NeuronModel + ?Sized>(
    model: &mut M,
    data: &DataStore,
    source: &str,
    target: &str,
    candidates: &[&str],
    params: &PipelineParams,
    ctx: &RunContext,
) -> Result<BridgeReport> {
    let source = langs::get(source)?.code;
    let target = langs::get(target)?.code;
    if source == target {
        return Err(ProbeError::param(
            "target",
            format!("source and target are both `{source}`"),
        ));
    }
    let candidates: Vec<&str> = if candidates.is_empty() {
        overlap::default_candidates(source, target)
    } else {
        candidates
            .iter()
            .map(|c| Ok(langs::get(c)?.code))
            .collect::<Result<Vec<_>>>()?
    };
    let mut languages = vec![source, target];
    languages.extend(&candidates);
    let stats = stats_for_languages(model, data, &languages, &params.text, &params.stats, ctx)?;
    let activations = probe_pair(
        model,
        data,
        source,
        target,
        Split::Train,
        &params.probe,
        ctx,
    )?;
    let mut report = rank_bridges(
        &stats,
        &activations,
        &candidates,
        &params.bridge,
        &model.identity(),
    )?;
    report.pipeline = Some(params.clone());
    Ok(report)
}
