//! Across pairs: does the HSIC-chosen bridge beat direct prompting, the English bridge and a
//! random bridge over the study's pairs (docs/METHOD.md §8)? Per task and baseline, the
//! difference of each pair's scores, pairs that share their inputs counted once; the exact
//! sign test, the Wilcoxon signed-rank test and a bootstrap interval of the mean over those
//! units; Holm's correction over every p-value the findings state. Computed from the pairs'
//! score rows alone, so older `results.json` files get it too.

use serde::{Deserialize, Serialize};
use xicl_eval::significance::{
    self, BOOTSTRAP_RESAMPLES, Interval, SignTest, StatsError, Wilcoxon,
};

use super::paired::{Against, SEED};
use super::results::PairResult;

/// Level at which the findings call a difference significant (after Holm).
pub const ALPHA: f64 = 0.05;

/// Everything across pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcrossPairs {
    pub resamples: usize,
    pub seed: u64,
    /// p-values in the Holm family: the sign and the Wilcoxon test of every comparison.
    pub family: usize,
    pub comparisons: Vec<AcrossComparison>,
}

/// HSIC − one baseline on one task, over the independent units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcrossComparison {
    pub task: String,
    pub metric: String,
    pub against: Against,
    pub units: Vec<Unit>,
    /// Mean difference over units with its 95% bootstrap interval (units resampled).
    pub mean: Interval,
    pub sign: SignTest,
    pub sign_holm: f64,
    /// `None` when every unit's difference is 0.
    pub wilcoxon: Option<Wilcoxon>,
    pub wilcoxon_holm: Option<f64>,
    /// Per pair, its own paired test of the primary metric (McNemar or permutation), Holm-
    /// adjusted over the pairs of this comparison.
    pub per_pair: Vec<PairP>,
}

/// Pairs that ran the same items with the same inputs (the task's key, e.g. `xcopa:sw`):
/// their direct scores are the same experiment, so they count once, with the mean of their
/// differences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub inputs: String,
    pub pairs: Vec<String>,
    pub difference: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairP {
    pub pair: String,
    pub p_value: f64,
    pub holm: f64,
}

impl AcrossComparison {
    /// Pairs whose own test is significant at [`ALPHA`] after Holm over the pairs.
    pub fn significant_pairs(&self) -> usize {
        self.per_pair.iter().filter(|p| p.holm <= ALPHA).count()
    }
}

/// The across-pair statistics of `pairs`, tasks in `tasks` order.
pub fn summarise(tasks: &[String], pairs: &[PairResult]) -> Result<AcrossPairs, StatsError> {
    let mut comparisons = Vec::new();
    for task in tasks {
        for against in Against::ALL {
            let mut units: Vec<Unit> = Vec::new();
            let mut sums: Vec<(f64, usize)> = Vec::new();
            let mut metric = String::new();
            let mut per_pair: Vec<PairP> = Vec::new();
            for p in pairs {
                let Some(t) = p.tasks.iter().find(|t| &t.task == task) else {
                    continue;
                };
                let hsic = t.score(&xicl_eval::Baseline::HsicChosen);
                let (Some(h), Some(o)) = (hsic, t.score(&against.baseline())) else {
                    continue;
                };
                metric.clone_from(&t.metric);
                let d = h - o;
                match units.iter().position(|u| u.inputs == t.key) {
                    Some(i) => {
                        units[i].pairs.push(p.pair.clone());
                        sums[i].0 += d;
                        sums[i].1 += 1;
                    }
                    None => {
                        units.push(Unit {
                            inputs: t.key.clone(),
                            pairs: vec![p.pair.clone()],
                            difference: 0.0,
                        });
                        sums.push((d, 1));
                    }
                }
                let p_value = t
                    .statistics
                    .as_ref()
                    .and_then(|s| s.comparisons.iter().find(|c| c.against == against))
                    .and_then(|c| c.primary_test())
                    .map(|x| x.p_value);
                if let Some(p_value) = p_value {
                    per_pair.push(PairP {
                        pair: p.pair.clone(),
                        p_value,
                        holm: f64::NAN,
                    });
                }
            }
            if units.is_empty() {
                continue;
            }
            for (u, (s, n)) in units.iter_mut().zip(&sums) {
                u.difference = s / *n as f64;
            }
            let diffs: Vec<f64> = units.iter().map(|u| u.difference).collect();
            let adjusted =
                significance::holm(&per_pair.iter().map(|p| p.p_value).collect::<Vec<_>>())?;
            for (p, h) in per_pair.iter_mut().zip(adjusted) {
                p.holm = h;
            }
            let wilcoxon = match significance::wilcoxon(&diffs) {
                Ok(w) => Some(w),
                Err(StatsError::AllZero) => None,
                Err(e) => return Err(e),
            };
            comparisons.push(AcrossComparison {
                task: task.clone(),
                metric,
                against,
                mean: significance::paired_bootstrap_mean(&diffs, BOOTSTRAP_RESAMPLES, SEED)?,
                sign: significance::sign_test(&diffs)?,
                sign_holm: f64::NAN,
                wilcoxon,
                wilcoxon_holm: None,
                units,
                per_pair,
            });
        }
    }
    // Holm over the family: every sign test and every Wilcoxon test stated.
    let mut family: Vec<f64> = Vec::new();
    for c in &comparisons {
        family.push(c.sign.p_value);
        if let Some(w) = &c.wilcoxon {
            family.push(w.p_value);
        }
    }
    let adjusted = significance::holm(&family)?;
    let mut next = adjusted.into_iter();
    for c in &mut comparisons {
        c.sign_holm = next.next().unwrap_or(f64::NAN);
        if c.wilcoxon.is_some() {
            c.wilcoxon_holm = next.next();
        }
    }
    Ok(AcrossPairs {
        resamples: BOOTSTRAP_RESAMPLES,
        seed: SEED,
        family: family.len(),
        comparisons,
    })
}
