//! What every scoring of a pair shares (docs/METHOD.md §2, §5, §9): the statistics as an
//! `overlap` table, the language sets, and one checked setup (pair, candidates, sets, model
//! shape) that the ranking and each confidence replicate start from.

use overlap::{
    GenericNeurons, LanguageSets, ModelShape, SetMethod, SimilarityMatrices, StatsTable,
};

use crate::error::{ProbeError, Result};
use crate::model::ModelIdentity;
use crate::params::BridgeParams;
use crate::probe::ProbeActivations;
use crate::stats::LanguageStats;

fn shape_of(stats: &[LanguageStats]) -> Result<ModelShape> {
    let first = stats
        .first()
        .ok_or_else(|| ProbeError::data("no language statistics given"))?;
    for s in stats {
        if (s.stats.layers, s.stats.neurons) != (first.stats.layers, first.stats.neurons)
            || s.model_digest != first.model_digest
        {
            return Err(ProbeError::data(format!(
                "statistics of `{}` ({}x{}, model {}) and `{}` ({}x{}, model {}) come from different models",
                first.lang,
                first.stats.layers,
                first.stats.neurons,
                short(&first.model_digest),
                s.lang,
                s.stats.layers,
                s.stats.neurons,
                short(&s.model_digest)
            )));
        }
    }
    Ok(ModelShape::new(first.stats.layers, first.stats.neurons)?)
}

pub(crate) fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}

/// The activation probabilities (and means) of `stats` as an `overlap` table.
pub fn stats_table(stats: &[LanguageStats]) -> Result<StatsTable> {
    let mut table = StatsTable::new(shape_of(stats)?);
    for s in stats {
        table.push_counts(s.lang.clone(), &s.stats.over_zero, s.stats.tokens)?;
        table.set_mean(&s.lang, s.mean())?;
    }
    Ok(table)
}

/// `T_l` of every language of `stats`, after leaving out the `generic` neurons (LAPE
/// normalises, and [`GenericNeurons::InEverySet`] intersects, over exactly these languages).
pub fn language_sets(
    stats: &[LanguageStats],
    method: &SetMethod,
    generic: GenericNeurons,
) -> Result<LanguageSets> {
    Ok(overlap::language_sets_with(
        &stats_table(stats)?,
        method,
        generic,
    )?)
}

/// Similarity matrices (docs/METHOD.md §2: overlap, cosine on shared neurons, Jaccard, cosine
/// over all neurons) over `languages` (all of `stats` when empty), with `sets` built from
/// `stats` by [`language_sets`].
pub fn similarity(
    stats: &[LanguageStats],
    sets: &LanguageSets,
    languages: &[&str],
) -> Result<SimilarityMatrices> {
    Ok(overlap::similarity_matrices(
        &stats_table(stats)?,
        sets,
        languages,
    )?)
}

/// What every scoring of one pair shares, checked once: the pair, the candidates, the
/// language sets (from the statistics alone) and the model shape.
pub(crate) struct ScoringSetup<'a> {
    pub source: &'a str,
    pub target: &'a str,
    pub candidates: Vec<&'a str>,
    pub sets: LanguageSets,
    pub shape: ModelShape,
}

impl<'a> ScoringSetup<'a> {
    pub fn new(
        stats: &[LanguageStats],
        probe: &'a ProbeActivations,
        candidates: &[&'a str],
        params: &BridgeParams,
        model: &ModelIdentity,
    ) -> Result<Self> {
        let (source, target) = (probe.summary.src.as_str(), probe.summary.trg.as_str());
        let candidates: Vec<&str> = if candidates.is_empty() {
            overlap::default_candidates(source, target)
        } else {
            candidates.to_vec()
        };
        if let Some(c) = candidates.iter().find(|&&c| c == source || c == target) {
            return Err(ProbeError::param(
                "candidates",
                format!("`{c}` is the source or the target of {source}-{target}, not a bridge"),
            ));
        }
        for lang in [source, target].iter().chain(&candidates) {
            if !stats.iter().any(|s| s.lang == *lang) {
                return Err(ProbeError::data(format!(
                    "no FLORES statistics for `{lang}` (have: {})",
                    stats
                        .iter()
                        .map(|s| s.lang.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
        let shape = shape_of(stats)?;
        if stats[0].model_digest != model.digest || probe.model_digest != model.digest {
            return Err(ProbeError::data(format!(
                "statistics (model {}), probe (model {}) and model {} ({}) do not match",
                short(&stats[0].model_digest),
                short(&probe.model_digest),
                model.name,
                short(&model.digest)
            )));
        }
        if (probe.layers, probe.neurons) != (shape.layers(), shape.neurons()) {
            return Err(ProbeError::data(format!(
                "probe is {}x{}, statistics are {}x{}",
                probe.layers,
                probe.neurons,
                shape.layers(),
                shape.neurons()
            )));
        }
        let sets = language_sets(stats, &params.sets, params.generic)?;
        Ok(ScoringSetup {
            source,
            target,
            candidates,
            sets,
            shape,
        })
    }
}
