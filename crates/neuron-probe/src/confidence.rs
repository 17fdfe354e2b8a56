//! How sure a bridge choice is (docs/METHOD.md §9): the probe's samples are resampled with
//! replacement and the whole scoring is run again on each replicate (bridge sets chosen again
//! from the resampled probe means, σ, the HSIC layer scores, the window mean), so each
//! candidate gets a win rate (the share of replicates it comes first in) and a 95% interval of
//! its bridge score. A choice is "clear" when it wins at least `clear_at` of the replicates.
//!
//! A second mode redraws the probe words instead ([`Resample::Words`]): each replicate takes
//! the probe's number of words, without replacement, from a larger pool of probe words (the
//! same seeded order and filter, more words), so the question becomes "would other words of
//! the dictionary have chosen the same bridge?" rather than "do these words, resampled, agree?".
//!
//! What does not depend on the probe is computed once: the language sets (from the FLORES
//! statistics) and the validation. Each replicate copies only the probe rows of the languages'
//! sets, the only rows the bridge sets and the scores read.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use overlap::ProbeTensor;
// The study's percentile (numpy's linear interpolation), tested against numpy there.
use xicl_eval::significance::percentile;

use crate::error::{ProbeError, Result};
use crate::model::ModelIdentity;
use crate::params::{BridgeParams, ConfidenceParams};
use crate::probe::ProbeActivations;
use crate::scoring::ScoringSetup;
use crate::stats::LanguageStats;

/// One candidate over the replicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateConfidence {
    pub language: String,
    /// Share of the replicates in which it had the highest bridge score.
    pub win_rate: f64,
    /// 2.5 and 97.5 percentiles of its bridge score (`None` if it never had one).
    pub interval: Option<(f64, f64)>,
    /// Per layer of the model, the 2.5 and 97.5 percentiles of its layer score.
    pub layers: Vec<Option<(f64, f64)>>,
}

/// What the replicates say about the choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The chosen bridge won at least `clear_at` of the replicates.
    Clear { bridge: String, win_rate: f64 },
    /// No single bridge did: the candidates that together won `clear_at` of the replicates, most
    /// wins first.
    Uncertain { between: Vec<String> },
    /// No replicate (or the ranking itself) chose a bridge.
    NoBridge,
}

/// The confidence of one pair's ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confidence {
    /// What was resampled ("probe samples").
    pub resampled: String,
    pub replicates: usize,
    pub seed: u64,
    pub clear_at: f64,
    /// In the order of the ranking's candidates.
    pub candidates: Vec<CandidateConfidence>,
    pub verdict: Verdict,
}

/// The sample indices of bootstrap replicate `replicate`: `samples` draws with replacement,
/// seeded by `(seed, replicate)` so any replicate can be redrawn alone.
pub fn bootstrap_indices(samples: usize, replicate: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(replicate as u64);
    (0..samples).map(|_| rng.random_range(0..samples)).collect()
}

/// The pool indices of word-redraw replicate `replicate`: `draw` distinct indices of `0..pool`
/// (a seeded partial Fisher–Yates shuffle), seeded by `(seed, replicate)`.
pub fn word_draw_indices(pool: usize, draw: usize, replicate: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(replicate as u64);
    let mut all: Vec<usize> = (0..pool).collect();
    let draw = draw.min(pool);
    for i in 0..draw {
        let j = rng.random_range(i..pool);
        all.swap(i, j);
    }
    all.truncate(draw);
    all
}

/// The verdict on `chosen` given each candidate's win rate.
pub fn verdict(chosen: Option<&str>, win_rates: &[(String, f64)], clear_at: f64) -> Verdict {
    let Some(chosen) = chosen else {
        return Verdict::NoBridge;
    };
    let rate = |c: &str| {
        win_rates
            .iter()
            .find(|(l, _)| l == c)
            .map_or(0.0, |(_, r)| *r)
    };
    if rate(chosen) >= clear_at {
        return Verdict::Clear {
            bridge: chosen.to_string(),
            win_rate: rate(chosen),
        };
    }
    let mut by_rate: Vec<&(String, f64)> = win_rates.iter().filter(|(_, r)| *r > 0.0).collect();
    by_rate.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut between = Vec::new();
    let mut covered = 0.0;
    for (l, r) in by_rate {
        if covered >= clear_at {
            break;
        }
        between.push(l.clone());
        covered += r;
    }
    if between.is_empty() {
        Verdict::NoBridge
    } else {
        Verdict::Uncertain { between }
    }
}

/// Bootstrap the ranking of `probe`'s pair: `conf.replicates` resamplings of its samples,
/// each scored as [`crate::rank_bridges`] scores the probe itself.
pub fn bridge_confidence(
    stats: &[LanguageStats],
    probe: &ProbeActivations,
    candidates: &[&str],
    params: &BridgeParams,
    model: &ModelIdentity,
    chosen: Option<&str>,
    conf: &ConfidenceParams,
) -> Result<Confidence> {
    let samples = probe.samples();
    replicated(
        stats,
        probe,
        samples,
        |r| bootstrap_indices(samples, r, conf.seed),
        "probe samples".to_string(),
        candidates,
        params,
        model,
        chosen,
        conf,
    )
}

/// The ranking of a pair over redrawn probe words: each of `conf.replicates` replicates takes
/// `draw` distinct words of `pool` (a probe of more words than the ranked one, in the same
/// seeded order; [`Resample::Words`]) and is scored as [`crate::rank_bridges`] scores a probe.
#[allow(clippy::too_many_arguments)]
pub fn bridge_confidence_words(
    stats: &[LanguageStats],
    pool: &ProbeActivations,
    draw: usize,
    candidates: &[&str],
    params: &BridgeParams,
    model: &ModelIdentity,
    chosen: Option<&str>,
    conf: &ConfidenceParams,
) -> Result<Confidence> {
    let size = pool.samples();
    if draw == 0 || draw >= size {
        return Err(ProbeError::param(
            "word pool",
            format!(
                "a pool of {size} words cannot give redraws of {draw}: it must hold more words \
                 than the probe"
            ),
        ));
    }
    replicated(
        stats,
        pool,
        draw,
        |r| word_draw_indices(size, draw, r, conf.seed),
        format!("probe words ({draw} of a pool of {size}, without replacement)"),
        candidates,
        params,
        model,
        chosen,
        conf,
    )
}

/// The replicate loop both modes share: replicate `r` is the probe made of `source`'s samples
/// `draws(r)` (`width` of them).
#[allow(clippy::too_many_arguments)]
fn replicated(
    stats: &[LanguageStats],
    source: &ProbeActivations,
    width: usize,
    draws: impl Fn(usize) -> Vec<usize>,
    resampled: String,
    candidates: &[&str],
    params: &BridgeParams,
    model: &ModelIdentity,
    chosen: Option<&str>,
    conf: &ConfidenceParams,
) -> Result<Confidence> {
    if !(conf.clear_at > 0.0 && conf.clear_at <= 1.0) {
        return Err(ProbeError::param(
            "clear_at",
            format!("{} is not a share in (0, 1]", conf.clear_at),
        ));
    }
    let setup = ScoringSetup::new(stats, source, candidates, params, model)?;
    let (layers, neurons, stride) = (source.layers, source.neurons, source.samples());
    // The rows any bridge set or score reads: the sets of the pair and of the candidates.
    let mut rows: Vec<u32> = [setup.source, setup.target]
        .iter()
        .chain(&setup.candidates)
        .map(|l| Ok(setup.sets.get(l)?.ids().to_vec()))
        .collect::<Result<Vec<_>>>()?
        .concat();
    rows.sort_unstable();
    rows.dedup();

    // Replicates score the window's layers only: the choice and the bridge score rest on them
    // alone, and scoring every layer for the plot doubled the cost (38 s against 19 s for 200
    // replicates of en-sw on 2 cores). Layer intervals outside the window stay empty.
    let window_only = hsic::HsicConfig {
        all_layers: false,
        ..params.hsic
    };
    let n = setup.candidates.len();
    let mut wins = vec![0usize; n];
    let mut scores: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut layer_scores: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); layers]; n];
    let mut buf = vec![0f32; layers * neurons * width];
    for r in 0..conf.replicates {
        let idx = draws(r);
        debug_assert_eq!(idx.len(), width);
        for &id in &rows {
            let src = &source.data[id as usize * stride..(id as usize + 1) * stride];
            let dst = &mut buf[id as usize * width..(id as usize + 1) * width];
            for (d, &i) in dst.iter_mut().zip(&idx) {
                *d = src[i];
            }
        }
        let tensor = ProbeTensor::new(layers, neurons, width, &buf[..])?;
        let pair = overlap::pair_neurons(
            &setup.sets,
            setup.source,
            setup.target,
            &setup.candidates,
            &tensor,
            params.variant,
        )?;
        let ranking = hsic::rank_pair(&tensor, &pair, params.window, &window_only)?;
        for (c, scored) in ranking.candidates.iter().enumerate() {
            if ranking.chosen.as_deref() == Some(scored.candidate.as_str()) {
                wins[c] += 1;
            }
            if let Some(s) = scored.bridge_score {
                scores[c].push(s);
            }
            for e in &scored.layers {
                if let Some(s) = &e.score {
                    layer_scores[c][e.layer].push(s.score);
                }
            }
        }
    }
    let interval = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        Some((percentile(v, 0.025)?, percentile(v, 0.975)?))
    };
    let replicates = conf.replicates.max(1) as f64;
    let candidates: Vec<CandidateConfidence> = setup
        .candidates
        .iter()
        .enumerate()
        .map(|(c, l)| CandidateConfidence {
            language: l.to_string(),
            win_rate: wins[c] as f64 / replicates,
            interval: interval(&mut scores[c]),
            layers: layer_scores[c].iter_mut().map(interval).collect(),
        })
        .collect();
    let rates: Vec<(String, f64)> = candidates
        .iter()
        .map(|c| (c.language.clone(), c.win_rate))
        .collect();
    Ok(Confidence {
        resampled,
        replicates: conf.replicates,
        seed: conf.seed,
        clear_at: conf.clear_at,
        verdict: verdict(chosen, &rates, conf.clear_at),
        candidates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_by_hand() {
        let rates = |v: &[(&str, f64)]| -> Vec<(String, f64)> {
            v.iter().map(|(l, r)| (l.to_string(), *r)).collect()
        };
        let r = rates(&[("de", 0.96), ("fr", 0.04), ("it", 0.0)]);
        assert_eq!(
            verdict(Some("de"), &r, 0.95),
            Verdict::Clear {
                bridge: "de".into(),
                win_rate: 0.96
            }
        );
        let r = rates(&[("de", 0.55), ("fr", 0.35), ("it", 0.08), ("pt", 0.02)]);
        assert_eq!(
            verdict(Some("de"), &r, 0.95),
            Verdict::Uncertain {
                between: vec!["de".into(), "fr".into(), "it".into()]
            }
        );
        // The ranking's choice may itself win rarely.
        let r = rates(&[("de", 0.3), ("fr", 0.7)]);
        assert_eq!(
            verdict(Some("de"), &r, 0.95),
            Verdict::Uncertain {
                between: vec!["fr".into(), "de".into()]
            }
        );
        assert_eq!(verdict(None, &r, 0.95), Verdict::NoBridge);
    }

    #[test]
    fn replicates_are_seeded_and_independent_of_each_other() {
        let a = bootstrap_indices(50, 3, 7);
        assert_eq!(a, bootstrap_indices(50, 3, 7));
        assert_ne!(a, bootstrap_indices(50, 4, 7));
        assert_ne!(a, bootstrap_indices(50, 3, 8));
        assert!(a.iter().all(|&i| i < 50));
    }

    #[test]
    fn word_draws_are_distinct_seeded_and_cover_the_pool() {
        let a = word_draw_indices(100, 40, 2, 5);
        assert_eq!(a.len(), 40);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 40, "without replacement");
        assert!(a.iter().all(|&i| i < 100));
        assert_eq!(a, word_draw_indices(100, 40, 2, 5));
        assert_ne!(a, word_draw_indices(100, 40, 3, 5));
        // Over many replicates every pool word is drawn, each about 40 % of the time.
        let mut seen = [0usize; 100];
        for r in 0..500 {
            for i in word_draw_indices(100, 40, r, 5) {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&c| (140..=260).contains(&c)), "{seen:?}");
    }
}
