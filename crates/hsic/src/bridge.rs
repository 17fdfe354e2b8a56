//! Bridge scores over a layer window and the candidate ranking (docs/METHOD.md §5).

use serde::{Deserialize, Serialize};

use overlap::{NeuronSet, PairNeurons, ProbeTensor};

use crate::layer::{Prepared, Workspace, check_engine, score_prepared};
use crate::linalg::parallel_map;
use crate::{HsicConfig, HsicError, LayerAggregation, LayerScore, LayerWindow, ScoreKind};

/// One layer of one candidate. `score` is `None` when the overlap set or the bridge set has no
/// neuron in that layer (or, with `all_layers` off, when the layer is outside the window and
/// was not computed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerEntry {
    pub layer: usize,
    pub score: Option<LayerScore>,
}

/// One candidate's per-layer scores and bridge score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    pub candidate: String,
    /// Every computed layer, ascending, each labelled with its true layer index.
    pub layers: Vec<LayerEntry>,
    /// Mean of the layer scores inside the window, skipping layers without a score and (unless
    /// [`HsicConfig::keep_degenerate_layers`]) degenerate ones; `None` when no layer is left.
    pub bridge_score: Option<f64>,
    /// How many window layers entered the bridge score.
    pub layers_used: usize,
    /// Window layers left out because their bandwidth collapsed ([`LayerScore::degenerate`]).
    #[serde(default)]
    pub degenerate_skipped: usize,
}

/// The result of ranking the candidate bridges of one pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BridgeRanking {
    pub kind: ScoreKind,
    pub window: LayerWindow,
    pub samples: usize,
    /// In the order the candidates were given.
    pub candidates: Vec<CandidateScore>,
    /// Candidates by decreasing bridge score (ties keep the given order); those without a score
    /// come last.
    pub ranking: Vec<String>,
    /// The argmax, `None` when no candidate has a score.
    pub chosen: Option<String>,
}

/// The bridge score of one candidate's layers over a window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowMean {
    /// Mean of the scores that count; `None` when none does.
    pub score: Option<f64>,
    /// How many layers entered the mean.
    pub used: usize,
    /// Window layers with a degenerate score that were left out.
    pub degenerate_skipped: usize,
}

/// Mean of the scores of `layers` that lie in `window` and have a score; degenerate layers
/// ([`LayerScore::degenerate`]) count only with `keep_degenerate`.
pub fn bridge_score(
    layers: &[LayerEntry],
    window: LayerWindow,
    keep_degenerate: bool,
) -> WindowMean {
    let mut degenerate_skipped = 0;
    let scores: Vec<f64> = layers
        .iter()
        .filter(|e| window.contains(e.layer))
        .filter_map(|e| e.score.as_ref())
        .filter(|s| {
            let skip = s.degenerate && !keep_degenerate;
            degenerate_skipped += usize::from(skip);
            !skip
        })
        .map(|s| s.score)
        .collect();
    WindowMean {
        score: (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64),
        used: scores.len(),
        degenerate_skipped,
    }
}

/// The bridge scores of all candidates under `config`'s layer aggregation: each candidate's
/// window layers with a score ([`LayerAggregation::SkipMissing`], [`bridge_score`]), the window
/// layers where every candidate has one ([`LayerAggregation::Common`]), or every window layer
/// with a missing one counting 0 ([`LayerAggregation::MissingAsZero`], the reference code's).
/// Degenerate layers count only with `keep_degenerate_layers`.
pub fn bridge_scores(
    candidates: &[&[LayerEntry]],
    window: LayerWindow,
    config: &HsicConfig,
) -> Vec<WindowMean> {
    let keep = config.keep_degenerate_layers;
    let usable = |e: &LayerEntry| {
        e.score
            .as_ref()
            .filter(|s| keep || !s.degenerate)
            .map(|s| s.score)
    };
    let degenerate_in = |layers: &[LayerEntry]| {
        layers
            .iter()
            .filter(|e| window.contains(e.layer))
            .filter(|e| e.score.as_ref().is_some_and(|s| s.degenerate) && !keep)
            .count()
    };
    match config.aggregation {
        LayerAggregation::SkipMissing => candidates
            .iter()
            .map(|layers| bridge_score(layers, window, keep))
            .collect(),
        LayerAggregation::Common => {
            let common: Vec<usize> = window
                .layers()
                .filter(|&l| {
                    candidates
                        .iter()
                        .all(|layers| layers.iter().any(|e| e.layer == l && usable(e).is_some()))
                })
                .collect();
            candidates
                .iter()
                .map(|layers| {
                    let scores: Vec<f64> = layers
                        .iter()
                        .filter(|e| common.contains(&e.layer))
                        .filter_map(usable)
                        .collect();
                    WindowMean {
                        score: (!scores.is_empty())
                            .then(|| scores.iter().sum::<f64>() / scores.len() as f64),
                        used: scores.len(),
                        degenerate_skipped: degenerate_in(layers),
                    }
                })
                .collect()
        }
        LayerAggregation::MissingAsZero => candidates
            .iter()
            .map(|layers| {
                let total: f64 = window
                    .layers()
                    .map(|l| {
                        layers
                            .iter()
                            .find(|e| e.layer == l)
                            .and_then(usable)
                            .unwrap_or(0.0)
                    })
                    .sum();
                let used = layers
                    .iter()
                    .filter(|e| window.contains(e.layer) && usable(e).is_some())
                    .count();
                WindowMean {
                    score: Some(total / window.len() as f64),
                    used,
                    degenerate_skipped: degenerate_in(layers),
                }
            })
            .collect(),
    }
}

/// The row subsets [`EqualSizes`] draws for one (candidate, layer): `draws` seeded subsets of
/// `m` of `0..n`, each sorted (one subset, the whole set, when `m >= n`).
pub fn equal_size_subsets(n: usize, m: usize, draws: usize, seed: u64) -> Vec<Vec<usize>> {
    use rand::SeedableRng;
    use rand::seq::index::sample;
    if m >= n {
        return vec![(0..n).collect()];
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..draws.max(1))
        .map(|_| {
            let mut v = sample(&mut rng, n, m).into_vec();
            v.sort_unstable();
            v
        })
        .collect()
}

/// Score every candidate bridge set against the overlap set, layer by layer, and rank them.
///
/// `probe` is the s→t probe tensor; `overlap` is `O_st`; `candidates` pairs each candidate's
/// name with its bridge set `B_k`. `window` defaults to [`LayerWindow::default_for`] the probe's
/// layer count. Layers are computed in parallel (`config.threads`).
pub fn rank_bridges(
    probe: &ProbeTensor<'_>,
    overlap: &NeuronSet,
    candidates: &[(&str, &NeuronSet)],
    window: Option<LayerWindow>,
    config: &HsicConfig,
) -> Result<BridgeRanking, HsicError> {
    let layers = probe.layers();
    let samples = probe.samples();
    if samples < 2 {
        return Err(HsicError::TooSmall {
            what: "probe samples",
            min: 2,
            unit: "samples",
            got: samples,
        });
    }
    check_engine(config.engine)?;
    if candidates.is_empty() {
        return Err(HsicError::NoCandidates);
    }
    let shape = probe.shape();
    if overlap.shape() != shape {
        return Err(overlap::OverlapError::ShapeMismatch {
            what: "overlap set vs probe tensor",
            left_layers: overlap.shape().layers(),
            left_neurons: overlap.shape().neurons(),
            right_layers: layers,
            right_neurons: probe.neurons(),
        }
        .into());
    }
    for (i, (name, set)) in candidates.iter().enumerate() {
        if candidates[..i].iter().any(|(n, _)| n == name) {
            return Err(HsicError::DuplicateCandidate {
                candidate: name.to_string(),
            });
        }
        if set.shape() != shape {
            return Err(overlap::OverlapError::ShapeMismatch {
                what: "bridge set vs probe tensor",
                left_layers: set.shape().layers(),
                left_neurons: set.shape().neurons(),
                right_layers: layers,
                right_neurons: probe.neurons(),
            }
            .into());
        }
    }
    let window = match window {
        Some(w) => LayerWindow::new(w.first, w.last, layers)?,
        None => LayerWindow::default_for(layers)?,
    };
    let computed: Vec<usize> = if config.all_layers {
        (0..layers).collect()
    } else {
        window.layers().collect()
    };
    let threads = if config.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        config.threads
    };
    // Ids come from sets whose shape equals the probe's, so every row exists.
    let rows_of = |ids: &[u32]| -> Result<Vec<&[f32]>, HsicError> {
        ids.iter()
            .map(|&id| {
                probe.row_by_id(id).ok_or(HsicError::Internal {
                    what: "probe row",
                    detail: format!("id {id}"),
                })
            })
            .collect()
    };

    // Phase 1: the X side of every computed layer that has overlap neurons.
    let xs: Vec<Option<Prepared>> = parallel_map(
        &computed,
        threads,
        || (),
        |_, &l| {
            let ids = overlap.layer(l);
            if ids.is_empty() {
                return Ok(None);
            }
            Ok(Some(Prepared::new(
                rows_of(ids)?.into_iter(),
                samples,
                true,
            )?))
        },
    )
    .into_iter()
    .collect::<Result<_, HsicError>>()?;

    // Phase 2: one job per (candidate, layer) with both sets non-empty (and as large as
    // `min_set_size` asks).
    let min = config.min_set_size.max(1);
    let jobs: Vec<(usize, usize)> = (0..candidates.len())
        .flat_map(|c| (0..computed.len()).map(move |k| (c, k)))
        .filter(|&(c, k)| {
            let l = computed[k];
            xs[k].is_some()
                && overlap.layer(l).len() >= min
                && candidates[c].1.layer(l).len() >= min
        })
        .collect();
    // With equal sizes, every set of a layer is cut to the smallest of the layer's jobs.
    let equal_to: Vec<usize> = computed
        .iter()
        .enumerate()
        .map(|(k, &l)| {
            jobs.iter()
                .filter(|&&(_, kk)| kk == k)
                .map(|&(c, _)| candidates[c].1.layer(l).len())
                .min()
                .unwrap_or(0)
        })
        .collect();
    let results = parallel_map(
        &jobs,
        threads,
        Workspace::default,
        |ws, &(c, k)| -> Result<LayerScore, HsicError> {
            let x = xs[k].as_ref().ok_or(HsicError::Internal {
                what: "job",
                detail: "missing X".into(),
            })?;
            let ids = candidates[c].1.layer(computed[k]);
            let subsets = match config.equal_sizes {
                Some(eq) => equal_size_subsets(
                    ids.len(),
                    equal_to[k],
                    eq.draws,
                    eq.seed ^ ((c as u64) << 32 | computed[k] as u64),
                ),
                None => vec![(0..ids.len()).collect()],
            };
            let mut mean: Option<LayerScore> = None;
            for subset in &subsets {
                let rows = rows_of(&subset.iter().map(|&i| ids[i]).collect::<Vec<_>>())?;
                ws.y.fill(rows.into_iter(), samples, false, &mut ws.dist)?;
                let (s, _) = score_prepared(
                    x,
                    &ws.y,
                    config.kind,
                    config.engine,
                    config.sigma,
                    false,
                    &mut ws.all,
                    &mut ws.series,
                )?;
                mean = Some(match mean {
                    None => s,
                    Some(mut acc) => {
                        acc.score += s.score;
                        acc.sigma += s.sigma;
                        acc.degenerate |= s.degenerate;
                        acc.truncation_bound += s.truncation_bound;
                        acc
                    }
                });
            }
            let mut layer = mean.ok_or(HsicError::Internal {
                what: "job",
                detail: "no subset".into(),
            })?;
            let draws = subsets.len() as f64;
            layer.score /= draws;
            layer.sigma /= draws;
            layer.truncation_bound /= draws;
            Ok(layer)
        },
    );

    let mut per_candidate: Vec<Vec<LayerEntry>> = (0..candidates.len())
        .map(|_| {
            computed
                .iter()
                .map(|&layer| LayerEntry { layer, score: None })
                .collect()
        })
        .collect();
    for (&(c, k), result) in jobs.iter().zip(results) {
        per_candidate[c][k].score = Some(result?);
    }
    let layer_refs: Vec<&[LayerEntry]> = per_candidate.iter().map(Vec::as_slice).collect();
    let means = bridge_scores(&layer_refs, window, config);
    let mut scored: Vec<CandidateScore> = Vec::with_capacity(candidates.len());
    for (((name, _), layers), mean) in candidates.iter().zip(per_candidate).zip(means) {
        scored.push(CandidateScore {
            candidate: name.to_string(),
            layers,
            bridge_score: mean.score,
            layers_used: mean.used,
            degenerate_skipped: mean.degenerate_skipped,
        });
    }
    let mut order: Vec<usize> = (0..scored.len()).collect();
    // Stable sort: ties keep the given order; None sorts after every score.
    order.sort_by(
        |&a, &b| match (scored[a].bridge_score, scored[b].bridge_score) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        },
    );
    let chosen = order
        .first()
        .filter(|&&i| scored[i].bridge_score.is_some())
        .map(|&i| scored[i].candidate.clone());
    let ranking = order.iter().map(|&i| scored[i].candidate.clone()).collect();
    Ok(BridgeRanking {
        kind: config.kind,
        window,
        samples,
        candidates: scored,
        ranking,
        chosen,
    })
}

/// [`rank_bridges`] for the sets of an [`overlap::PairNeurons`].
pub fn rank_pair(
    probe: &ProbeTensor<'_>,
    pair: &PairNeurons,
    window: Option<LayerWindow>,
    config: &HsicConfig,
) -> Result<BridgeRanking, HsicError> {
    let candidates: Vec<(&str, &NeuronSet)> = pair
        .bridges
        .iter()
        .map(|b| (b.candidate.as_str(), &b.neurons))
        .collect();
    rank_bridges(probe, &pair.overlap, &candidates, window, config)
}
