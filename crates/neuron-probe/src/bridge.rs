//! Stage 3: language sets, pair overlap, bridge sets and HSIC ranking (docs/METHOD.md §2, §4, §5),
//! from the outputs of the statistics and probe stages, through the `overlap` and `hsic` crates.

use serde::{Deserialize, Serialize};

use hsic::{LayerWindow, ScoreKind};
use overlap::ProbeTensor;

use crate::confidence::Confidence;
use crate::error::Result;
use crate::model::ModelIdentity;
use crate::params::{BridgeParams, PipelineParams};
use crate::probe::{ProbeActivations, ProbeSummary};
use crate::scoring::ScoringSetup;
use crate::stats::LanguageStats;

/// One layer of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerReport {
    pub layer: usize,
    pub in_window: bool,
    /// `|O_st|` and `|B_k|` in this layer.
    pub overlap_neurons: usize,
    pub bridge_neurons: usize,
    /// Layer score; `None` when either set is empty here or the layer was not computed
    /// (outside the window with `hsic.all_layers` off).
    pub score: Option<f64>,
    /// Kernel bandwidth of the layer.
    pub sigma: Option<f64>,
    /// The bandwidth collapsed (`hsic::LayerScore::degenerate`): the score is the same for
    /// every candidate and the bridge score left it out (unless configured to keep it).
    #[serde(default)]
    pub degenerate: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateReport {
    pub language: String,
    /// Mean layer score over the window (layers without a score skipped).
    pub score: Option<f64>,
    /// Window layers that entered the score.
    pub layers_used: usize,
    /// Window layers left out because their bandwidth collapsed.
    #[serde(default)]
    pub degenerate_skipped: usize,
    /// `|T_k|` and `|B_k|` over all layers.
    pub set_size: usize,
    pub bridge_neurons: usize,
    /// Every layer of the model.
    pub layers: Vec<LayerReport>,
}

/// `T_s`, `T_t` and `O_st` sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverlapReport {
    pub source_set: usize,
    pub target_set: usize,
    pub overlap: usize,
    /// `|O_st|` per layer.
    pub per_layer: Vec<usize>,
    /// Neurons left out of every set as generic before the sets were taken
    /// ([`BridgeParams::generic`]).
    #[serde(default)]
    pub generic_excluded: usize,
}

/// The statistics behind one language's set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageReport {
    pub language: String,
    pub sentences: usize,
    pub windows: usize,
    pub tokens: u64,
    pub set_size: usize,
    /// The cut-off of its set (`p >=` for top rate, `p >` for LAPE).
    pub threshold: f64,
}

/// Everything about one pair's bridge choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BridgeReport {
    pub source: String,
    pub target: String,
    /// The argmax of the bridge score; `None` when no candidate has a score.
    pub chosen: Option<String>,
    /// Candidates by decreasing score (unscored last).
    pub ranking: Vec<String>,
    /// In the order given.
    pub candidates: Vec<CandidateReport>,
    pub window: LayerWindow,
    pub score_kind: ScoreKind,
    pub overlap: OverlapReport,
    pub probe: ProbeSummary,
    pub languages: Vec<LanguageReport>,
    pub params: BridgeParams,
    /// Every setting of the stages before, when [`crate::pipeline::bridge_for_pair`] ran them.
    pub pipeline: Option<PipelineParams>,
    /// Win rates, score intervals and the verdict from resampling the probe, when asked for.
    #[serde(default)]
    pub confidence: Option<Confidence>,
    pub model: ModelIdentity,
}

/// Rank the candidate bridges of the probe's pair.
///
/// `stats` must hold the source, the target and every candidate (more languages are fine; for
/// LAPE they change the sets). `candidates` empty = docs/METHOD.md's default (en de fr it pt es
/// minus the pair).
pub fn rank_bridges(
    stats: &[LanguageStats],
    probe: &ProbeActivations,
    candidates: &[&str],
    params: &BridgeParams,
    model: &ModelIdentity,
) -> Result<BridgeReport> {
    let setup = ScoringSetup::new(stats, probe, candidates, params, model)?;
    let (source, target) = (setup.source, setup.target);
    let (candidates, sets, shape) = (&setup.candidates, &setup.sets, setup.shape);
    let tensor = ProbeTensor::new(
        probe.layers,
        probe.neurons,
        probe.samples(),
        &probe.data[..],
    )?;
    let pair = overlap::pair_neurons(sets, source, target, candidates, &tensor, params.variant)?;
    let ranking = hsic::rank_pair(&tensor, &pair, params.window, &params.hsic)?;

    let overlap_per_layer = pair.overlap.per_layer_counts();
    let mut candidate_reports = Vec::with_capacity(candidates.len());
    for (scored, bridge) in ranking.candidates.iter().zip(&pair.bridges) {
        let per_layer = bridge.neurons.per_layer_counts();
        let layers = (0..shape.layers())
            .map(|layer| {
                let entry = scored
                    .layers
                    .iter()
                    .find(|e| e.layer == layer)
                    .and_then(|e| e.score.as_ref());
                LayerReport {
                    layer,
                    in_window: ranking.window.contains(layer),
                    overlap_neurons: overlap_per_layer[layer],
                    bridge_neurons: per_layer[layer],
                    score: entry.map(|s| s.score),
                    sigma: entry.map(|s| s.sigma),
                    degenerate: entry.is_some_and(|s| s.degenerate),
                }
            })
            .collect();
        candidate_reports.push(CandidateReport {
            language: scored.candidate.clone(),
            score: scored.bridge_score,
            layers_used: scored.layers_used,
            degenerate_skipped: scored.degenerate_skipped,
            set_size: sets.get(&scored.candidate)?.len(),
            bridge_neurons: bridge.neurons.len(),
            layers,
        });
    }
    let languages = stats
        .iter()
        .zip(&sets.thresholds)
        .map(|(s, &threshold)| {
            Ok(LanguageReport {
                language: s.lang.clone(),
                sentences: s.sentences,
                windows: s.windows,
                tokens: s.stats.tokens,
                set_size: sets.get(&s.lang)?.len(),
                threshold,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(BridgeReport {
        source: source.to_string(),
        target: target.to_string(),
        chosen: ranking.chosen.clone(),
        ranking: ranking.ranking.clone(),
        candidates: candidate_reports,
        window: ranking.window,
        score_kind: ranking.kind,
        overlap: OverlapReport {
            source_set: sets.get(source)?.len(),
            target_set: sets.get(target)?.len(),
            overlap: pair.overlap.len(),
            per_layer: overlap_per_layer,
            generic_excluded: sets.excluded,
        },
        probe: probe.summary.clone(),
        languages,
        params: params.clone(),
        pipeline: None,
        confidence: None,
        model: model.clone(),
    })
}
