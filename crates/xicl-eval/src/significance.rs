//! The study's statistics, in one place (docs/METHOD.md §8): is a difference between two ways
//! of prompting real, or could the items have produced it by chance?
//!
//! * Within one pair and task, over items: a seeded [paired bootstrap](bootstrap_contrasts)
//!   percentile interval of a score difference (the corpus score recomputed on every resample,
//!   so chrF++ and BLEU are bootstrapped as corpus scores, as sacreBLEU's `paired-bs`); the
//!   [exact McNemar test](mcnemar_exact) for accuracy; the [paired permutation
//!   test](paired_permutation) (approximate randomisation, sacreBLEU's `paired-ar`) for corpus
//!   chrF++ and BLEU; the [cross-fitted oracle](cross_fitted_oracle).
//! * Across pairs, over independent units: the exact [sign test](sign_test), the
//!   [Wilcoxon signed-rank test](wilcoxon) with `scipy.stats.wilcoxon`'s defaults, a
//!   [bootstrap interval of the mean difference](paired_bootstrap_mean), and
//!   [Holm's step-down correction](holm) over a family of p-values.
//!
//! Every resampling function takes a seed and draws from `ChaCha8Rng::seed_from_u64(seed)`,
//! so a report is the same on every machine. The tests compare each function with scipy and
//! statsmodels (the commands are in the fixtures) or with hand computations.
//!
//! Distributions come from `statrs` (binomial CDF, complementary error function); the
//! Wilcoxon null distribution and the sign-flip enumeration are a few lines of counting that
//! no maintained crate offers with scipy's conventions (ties, zeros, the two-sided p-value).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Binomial, DiscreteCDF};

use crate::bleu::{BleuConfig, bleu_from_statistics, bleu_statistics};
use crate::chrf::{ChrfConfig, chrf_from_statistics, sentence_chrf};
use crate::error::MetricError;
use crate::tasks::Outcome;

/// Resamples of the study's bootstrap intervals (the issue asks for at least 10,000).
pub const BOOTSTRAP_RESAMPLES: usize = 10_000;
/// Trials of the study's permutation tests (sacreBLEU's `paired-ar` default).
pub const PERMUTATION_TRIALS: usize = 10_000;

/// Bad input to a statistic.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("no items: a statistic needs at least one")]
    Empty,
    #[error("{what}: {left} items on one side, {right} on the other")]
    Unpaired {
        what: &'static str,
        left: usize,
        right: usize,
    },
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("a difference is not a finite number: {0}")]
    NotFinite(f64),
    #[error("every difference is 0: the signed-rank test has nothing to rank")]
    AllZero,
    #[error("a p-value must lie in [0, 1], got {0}")]
    BadPValue(f64),
    #[error("{0}")]
    Shape(String),
    #[error("the cross-fitted oracle needs at least 2 items, got {0}")]
    TooFewToSplit(usize),
    #[error(transparent)]
    Metric(#[from] MetricError),
}

/// A point estimate with its 95% percentile-bootstrap interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The statistic on the items as they are.
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// Whether the interval leaves 0 out (the difference has a detectable sign).
    pub fn excludes_zero(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

/// The `q`-quantile (0..=1) of sorted values with linear interpolation between order
/// statistics (numpy's default `percentile` method); `None` when empty.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// The 2.5th and 97.5th percentiles of `values` (sorted in place).
fn interval_of(estimate: f64, values: &mut [f64]) -> Interval {
    values.sort_by(f64::total_cmp);
    Interval {
        estimate,
        low: percentile(values, 0.025).unwrap_or(f64::NAN),
        high: percentile(values, 0.975).unwrap_or(f64::NAN),
    }
}

/// The bootstrap every interval here rests on: `resamples` times, draw `n` item indices with
/// replacement (`rng.random_range(0..n)` each, from `ChaCha8Rng::seed_from_u64(seed)`) and
/// hand them to `statistic`. Returns the statistic of every resample, in draw order.
pub fn bootstrap_replicates<T>(
    n: usize,
    resamples: usize,
    seed: u64,
    mut statistic: impl FnMut(&[usize]) -> T,
) -> Result<Vec<T>, StatsError> {
    if n == 0 {
        return Err(StatsError::Empty);
    }
    if resamples == 0 {
        return Err(StatsError::Zero("resamples"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut idx = vec![0usize; n];
    let mut out = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for i in idx.iter_mut() {
            *i = rng.random_range(0..n);
        }
        out.push(statistic(&idx));
    }
    Ok(out)
}

/// The mean of paired differences with its 95% percentile-bootstrap interval: the
/// differences resampled with replacement `resamples` times ([`bootstrap_replicates`]).
pub fn paired_bootstrap_mean(
    diffs: &[f64],
    resamples: usize,
    seed: u64,
) -> Result<Interval, StatsError> {
    if let Some(&bad) = diffs.iter().find(|d| !d.is_finite()) {
        return Err(StatsError::NotFinite(bad));
    }
    let n = diffs.len();
    let mut means = bootstrap_replicates(n, resamples, seed, |idx| {
        idx.iter().map(|&i| diffs[i]).sum::<f64>() / n as f64
    })?;
    let mean = diffs.iter().sum::<f64>() / n as f64;
    Ok(interval_of(mean, &mut means))
}

/// How a task's score is formed from per-item sufficient statistics, so that it can be
/// recomputed on resampled, swapped or split items exactly as the task computes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CorpusMetric {
    /// Accuracy in percent; an item's statistics are `[correct (0 or 1), 1]`.
    Accuracy,
    /// Corpus chrF / chrF++ (sacreBLEU): per order `[hyp, ref, match]`, flattened.
    Chrf(ChrfConfig),
    /// Corpus BLEU (sacreBLEU): `[sys_len, ref_len, correct_1..=N, total_1..=N]`.
    Bleu(BleuConfig),
}

impl CorpusMetric {
    /// Entries of one item's statistics.
    pub fn width(&self) -> usize {
        match self {
            CorpusMetric::Accuracy => 2,
            CorpusMetric::Chrf(c) => 3 * (c.char_order + c.word_order),
            CorpusMetric::Bleu(c) => 2 + 2 * c.max_ngram_order,
        }
    }

    /// One item's statistics. Translation metrics read a choice outcome as an empty hypothesis
    /// against an empty reference, accuracy reads a translation as wrong: as
    /// [`crate::tasks::accuracy_metrics`] and [`crate::tasks::translation_metrics`] do.
    pub fn item_statistics(&self, outcome: &Outcome) -> Result<Vec<u64>, StatsError> {
        let (hyp, reference) = match outcome {
            Outcome::Translation {
                hypothesis,
                reference,
            } => (hypothesis.as_str(), reference.as_str()),
            Outcome::Choice { .. } => ("", ""),
        };
        Ok(match self {
            CorpusMetric::Accuracy => {
                let correct = matches!(outcome, Outcome::Choice { correct: true, .. });
                vec![u64::from(correct), 1]
            }
            CorpusMetric::Chrf(cfg) => sentence_chrf(hyp, &[reference], cfg)?
                .stats
                .into_iter()
                .flatten()
                .collect(),
            CorpusMetric::Bleu(cfg) => bleu_statistics(hyp, &[reference], cfg)?,
        })
    }

    /// The score (0..=100) of statistics summed over items.
    pub fn score(&self, summed: &[u64]) -> Result<f64, StatsError> {
        if summed.len() != self.width() {
            return Err(StatsError::Shape(format!(
                "{} statistics where the metric needs {}",
                summed.len(),
                self.width()
            )));
        }
        Ok(match self {
            CorpusMetric::Accuracy => {
                if summed[1] == 0 {
                    0.0
                } else {
                    100.0 * summed[0] as f64 / summed[1] as f64
                }
            }
            CorpusMetric::Chrf(cfg) => {
                let orders: Vec<[u64; 3]> =
                    summed.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
                chrf_from_statistics(&orders, cfg)?
            }
            CorpusMetric::Bleu(cfg) => bleu_from_statistics(summed, cfg)?.score,
        })
    }
}

/// One system's per-item statistics under a [`CorpusMetric`], items in a fixed order.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemTable {
    width: usize,
    data: Vec<u64>,
}

impl ItemTable {
    /// From each item's outcome.
    pub fn from_outcomes(metric: &CorpusMetric, outcomes: &[Outcome]) -> Result<Self, StatsError> {
        let rows = outcomes
            .iter()
            .map(|o| metric.item_statistics(o))
            .collect::<Result<Vec<_>, _>>()?;
        ItemTable::new(metric.width(), &rows)
    }

    /// From rows of `width` statistics each.
    pub fn new(width: usize, rows: &[Vec<u64>]) -> Result<Self, StatsError> {
        if width == 0 {
            return Err(StatsError::Zero("statistics per item"));
        }
        let mut data = Vec::with_capacity(width * rows.len());
        for (i, r) in rows.iter().enumerate() {
            if r.len() != width {
                return Err(StatsError::Shape(format!(
                    "item {i} has {} statistics, the others {width}",
                    r.len()
                )));
            }
            data.extend_from_slice(r);
        }
        Ok(ItemTable { width, data })
    }

    pub fn len(&self) -> usize {
        self.data.len() / self.width
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn row(&self, i: usize) -> &[u64] {
        &self.data[i * self.width..(i + 1) * self.width]
    }

    /// The statistics summed over `items` (indices may repeat).
    pub fn sum_over(&self, items: &[usize]) -> Vec<u64> {
        let mut acc = vec![0u64; self.width];
        for &i in items {
            for (a, v) in acc.iter_mut().zip(self.row(i)) {
                *a += v;
            }
        }
        acc
    }

    /// The statistics summed over every item.
    pub fn total(&self) -> Vec<u64> {
        let mut acc = vec![0u64; self.width];
        for row in self.data.chunks_exact(self.width) {
            for (a, v) in acc.iter_mut().zip(row) {
                *a += v;
            }
        }
        acc
    }
}

fn check_tables(metric: &CorpusMetric, tables: &[&ItemTable]) -> Result<usize, StatsError> {
    let first = tables.first().ok_or(StatsError::Empty)?;
    let n = first.len();
    if n == 0 {
        return Err(StatsError::Empty);
    }
    for t in tables {
        if t.width != metric.width() {
            return Err(StatsError::Shape(format!(
                "a system has {} statistics per item where the metric needs {}",
                t.width,
                metric.width()
            )));
        }
        if t.len() != n {
            return Err(StatsError::Unpaired {
                what: "systems",
                left: n,
                right: t.len(),
            });
        }
    }
    Ok(n)
}

/// A difference of scores between systems: `plus`'s score minus the mean score of `minus`
/// (one system, or several whose mean is a baseline such as the random bridge). Indices into
/// the systems given to [`bootstrap_contrasts`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contrast {
    pub plus: usize,
    pub minus: Vec<usize>,
}

/// Paired bootstrap intervals of several contrasts between systems scored on the same items:
/// every resample ([`bootstrap_replicates`]) draws items once, recomputes each system's corpus
/// score on them, and evaluates every contrast on those scores. For accuracy this is the
/// bootstrap of the mean paired difference ([`paired_bootstrap_mean`] of the per-item
/// differences in points, with the same draws); for chrF++ and BLEU it is sacreBLEU's
/// `paired-bs` (the corpus score of the resampled segments, not a mean of sentence scores).
pub fn bootstrap_contrasts(
    systems: &[&ItemTable],
    metric: &CorpusMetric,
    contrasts: &[Contrast],
    resamples: usize,
    seed: u64,
) -> Result<Vec<Interval>, StatsError> {
    let n = check_tables(metric, systems)?;
    for c in contrasts {
        if c.minus.is_empty() {
            return Err(StatsError::Shape("a contrast without a baseline".into()));
        }
        if let Some(&bad) = std::iter::once(&c.plus)
            .chain(&c.minus)
            .find(|&&i| i >= systems.len())
        {
            return Err(StatsError::Shape(format!(
                "a contrast names system {bad} of {}",
                systems.len()
            )));
        }
    }
    let value = |scores: &[f64], c: &Contrast| {
        scores[c.plus] - c.minus.iter().map(|&i| scores[i]).sum::<f64>() / c.minus.len() as f64
    };
    let observed: Vec<f64> = systems
        .iter()
        .map(|s| metric.score(&s.total()))
        .collect::<Result<_, _>>()?;
    let mut err = None;
    let replicates = bootstrap_replicates(n, resamples, seed, |idx| {
        let scores: Vec<f64> = systems
            .iter()
            .map(|s| {
                metric.score(&s.sum_over(idx)).unwrap_or_else(|e| {
                    err = Some(e);
                    f64::NAN
                })
            })
            .collect();
        contrasts
            .iter()
            .map(|c| value(&scores, c))
            .collect::<Vec<f64>>()
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    Ok(contrasts
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let mut values: Vec<f64> = replicates.iter().map(|r| r[k]).collect();
            interval_of(value(&observed, c), &mut values)
        })
        .collect())
}

/// An exact McNemar test of two systems' right/wrong answers on the same items.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// Items the first system got right and the second wrong.
    pub only_first: usize,
    /// Items the second system got right and the first wrong.
    pub only_second: usize,
    /// Concordant items (both right or both wrong).
    pub concordant: usize,
    pub p_value: f64,
}

/// The exact McNemar test: the two-sided exact binomial test (p = 1/2) on the discordant
/// items, `min(1, 2 · P(X ≤ min(b, c)))` with `X ~ Binomial(b + c, 1/2)`; as statsmodels'
/// `mcnemar(table, exact=True)`. No discordant item gives p = 1.
pub fn mcnemar_exact(first: &[bool], second: &[bool]) -> Result<McNemar, StatsError> {
    if first.len() != second.len() {
        return Err(StatsError::Unpaired {
            what: "McNemar",
            left: first.len(),
            right: second.len(),
        });
    }
    if first.is_empty() {
        return Err(StatsError::Empty);
    }
    let only_first = first
        .iter()
        .zip(second)
        .filter(|(a, b)| **a && !**b)
        .count();
    let only_second = first
        .iter()
        .zip(second)
        .filter(|(a, b)| !**a && **b)
        .count();
    Ok(McNemar {
        only_first,
        only_second,
        concordant: first.len() - only_first - only_second,
        p_value: binomial_two_sided_half(only_first, only_first + only_second),
    })
}

/// `P(X ≤ k)` for `X ~ Binomial(n, 1/2)`.
fn binomial_cdf_half(k: usize, n: usize) -> f64 {
    if k >= n {
        return 1.0;
    }
    // n ≥ 1 here (k < n); p = 0.5 is a valid probability, so construction cannot fail.
    Binomial::new(0.5, n as u64).map_or(f64::NAN, |b| b.cdf(k as u64))
}

/// The two-sided exact binomial test of `k` successes in `n` trials at p = 1/2. scipy's
/// `binomtest` sums the probabilities of outcomes no more likely than `k`; at p = 1/2 the
/// distribution is symmetric, so that is `min(1, 2 · P(X ≤ min(k, n − k)))`. `n = 0` gives 1.
pub fn binomial_two_sided_half(k: usize, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let tail = k.min(n.saturating_sub(k));
    (2.0 * binomial_cdf_half(tail, n)).min(1.0)
}

/// An exact sign test over paired differences.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignTest {
    pub positive: usize,
    pub negative: usize,
    /// Differences of exactly 0, left out of the test.
    pub ties: usize,
    pub p_value: f64,
}

/// The exact two-sided sign test: ties (differences of 0) dropped, the positive count tested
/// against Binomial(positive + negative, 1/2) as `scipy.stats.binomtest(positive, n)`.
pub fn sign_test(diffs: &[f64]) -> Result<SignTest, StatsError> {
    if let Some(&bad) = diffs.iter().find(|d| !d.is_finite()) {
        return Err(StatsError::NotFinite(bad));
    }
    let positive = diffs.iter().filter(|&&d| d > 0.0).count();
    let negative = diffs.iter().filter(|&&d| d < 0.0).count();
    Ok(SignTest {
        positive,
        negative,
        ties: diffs.len() - positive - negative,
        p_value: binomial_two_sided_half(positive, positive + negative),
    })
}

/// How [`wilcoxon`] got its p-value (scipy's `method='auto'`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum WilcoxonMethod {
    /// At most 50 differences, no zeros or ties: the exact null distribution of the rank sum.
    Exact,
    /// At most 13 differences with zeros or ties: all 2ⁿ sign flips enumerated (scipy's
    /// permutation test, which is exhaustive and so deterministic at this size).
    SignFlips,
    /// Otherwise: the normal approximation with the tie correction, no continuity correction.
    Normal { z: f64 },
}

impl std::fmt::Display for WilcoxonMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WilcoxonMethod::Exact => f.write_str("exact"),
            WilcoxonMethod::SignFlips => f.write_str("exact over all sign flips (ties or zeros)"),
            WilcoxonMethod::Normal { z } => write!(f, "normal approximation, z = {z:.3}"),
        }
    }
}

/// A Wilcoxon signed-rank test.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Wilcoxon {
    /// Non-zero differences ranked.
    pub n: usize,
    /// Differences of exactly 0, dropped (zero_method "wilcox").
    pub zeros: usize,
    /// Whether non-zero |differences| tie (average ranks).
    pub ties: bool,
    /// Sum of the ranks of the positive differences.
    pub rank_sum_positive: f64,
    /// min(R+, R−), scipy's two-sided statistic.
    pub statistic: f64,
    pub p_value: f64,
    #[serde(flatten)]
    pub method: WilcoxonMethod,
}

/// Average ranks (1-based) of `values`, and whether any tie.
fn average_ranks(values: &[f64]) -> (Vec<f64>, bool) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut ties = false;
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && values[order[j]] == values[order[i]] {
            j += 1;
        }
        ties |= j - i > 1;
        // positions i..j (0-based) share the mean of ranks i+1..=j
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = r;
        }
        i = j;
    }
    (ranks, ties)
}

/// `counts[s]` = the number of subsets of {1..n} whose sum is `s` (the null distribution of
/// the signed-rank sum, times 2ⁿ).
fn signed_rank_counts(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for k in 1..=n {
        for s in (k..=max).rev() {
            counts[s] += counts[s - k];
        }
    }
    counts
}

/// The Wilcoxon signed-rank test of paired differences, two-sided, with
/// `scipy.stats.wilcoxon(d)`'s defaults (scipy 1.17): zeros dropped (`zero_method="wilcox"`),
/// no continuity correction, and `method="auto"`: exact when there are at most 50 differences
/// and neither zeros nor ties; all sign flips enumerated when there are zeros or ties and at
/// most 13 differences (zeros included in the count); otherwise the normal approximation with
/// the tie correction. [`Wilcoxon::method`] says which. Every difference 0 is an error.
pub fn wilcoxon(diffs: &[f64]) -> Result<Wilcoxon, StatsError> {
    if diffs.is_empty() {
        return Err(StatsError::Empty);
    }
    if let Some(&bad) = diffs.iter().find(|d| !d.is_finite()) {
        return Err(StatsError::NotFinite(bad));
    }
    let nonzero: Vec<f64> = diffs.iter().copied().filter(|&d| d != 0.0).collect();
    let zeros = diffs.len() - nonzero.len();
    let n = nonzero.len();
    if n == 0 {
        return Err(StatsError::AllZero);
    }
    let abs: Vec<f64> = nonzero.iter().map(|d| d.abs()).collect();
    let (ranks, ties) = average_ranks(&abs);
    // fold from +0.0: an empty f64 sum is −0.0, which would print as "-0"
    let r_plus: f64 = nonzero
        .iter()
        .zip(&ranks)
        .filter(|(d, _)| **d > 0.0)
        .fold(0.0, |acc, (_, r)| acc + r);
    let total = (n * (n + 1)) as f64 / 2.0;
    let r_minus = total - r_plus;
    let statistic = r_plus.min(r_minus);
    let (p_value, method) = if diffs.len() <= 50 && zeros == 0 && !ties {
        let counts = signed_rank_counts(n);
        let all: f64 = counts.iter().sum();
        let k = r_plus.round() as usize;
        let cdf: f64 = counts[..=k].iter().sum::<f64>() / all;
        let sf: f64 = counts[k..].iter().sum::<f64>() / all;
        ((2.0 * cdf.min(sf)).clamp(0.0, 1.0), WilcoxonMethod::Exact)
    } else if diffs.len() <= 13 {
        // Every assignment of signs to the ranked magnitudes (a zero stays 0, its flips
        // counted like scipy's permutation of the full sample); the statistic is R+.
        let flips = 1u32 << diffs.len();
        let gamma = (r_plus * 1e-14).abs();
        let (mut le, mut ge) = (0u64, 0u64);
        for mask in 0..flips {
            let mut s = 0.0;
            for (k, r) in ranks.iter().enumerate() {
                if mask & (1 << k) != 0 {
                    s += r;
                }
            }
            // the zeros' bits (k ≥ n) change nothing but are enumerated as scipy does
            le += u64::from(s <= r_plus + gamma);
            ge += u64::from(s >= r_plus - gamma);
        }
        let p = 2.0 * (le.min(ge) as f64) / f64::from(flips);
        (p.min(1.0), WilcoxonMethod::SignFlips)
    } else {
        let nf = n as f64;
        let mean = nf * (nf + 1.0) / 4.0;
        let tie_term: f64 = tie_sizes(&abs).map(|t| t * t * t - t).sum();
        let var = (nf * (nf + 1.0) * (2.0 * nf + 1.0) - tie_term / 2.0) / 24.0;
        let z = (r_plus - mean) / var.sqrt();
        let p = statrs::function::erf::erfc(z.abs() / std::f64::consts::SQRT_2);
        // scipy reports −|z| for the two-sided test (0 stays +0)
        let z = if z == 0.0 { 0.0 } else { -z.abs() };
        (p.min(1.0), WilcoxonMethod::Normal { z })
    };
    Ok(Wilcoxon {
        n,
        zeros,
        ties,
        rank_sum_positive: r_plus,
        statistic,
        p_value,
        method,
    })
}

/// Sizes of the groups of equal values.
fn tie_sizes(values: &[f64]) -> impl Iterator<Item = f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut sizes = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i + 1;
        while j < sorted.len() && sorted[j] == sorted[i] {
            j += 1;
        }
        sizes.push((j - i) as f64);
        i = j;
    }
    sizes.into_iter()
}

/// Holm's step-down adjustment of a family of p-values, in the given order: sorted
/// ascending, the i-th smallest (0-based) becomes `max_{j ≤ i} min(1, (m − j) · p_(j))`; as
/// statsmodels' `multipletests(p, method="holm")[1]`. A null hypothesis is rejected at level α
/// when its adjusted p-value is at most α.
pub fn holm(p_values: &[f64]) -> Result<Vec<f64>, StatsError> {
    if let Some(&bad) = p_values
        .iter()
        .find(|p| !(0.0..=1.0).contains(*p) || p.is_nan())
    {
        return Err(StatsError::BadPValue(bad));
    }
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (j, &i) in order.iter().enumerate() {
        running = running.max(((m - j) as f64 * p_values[i]).min(1.0));
        adjusted[i] = running;
    }
    Ok(adjusted)
}

/// A paired permutation (approximate randomisation) test of two systems' corpus scores.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Permutation {
    /// Scores of the two systems on the items as they are.
    pub first: f64,
    pub second: f64,
    pub trials: usize,
    /// Trials whose |difference| was at least the observed one.
    pub as_extreme: usize,
    /// `(as_extreme + 1) / (trials + 1)`.
    pub p_value: f64,
}

/// The paired permutation test of sacreBLEU's `paired-ar` (Riezler & Maxwell 2005): under the
/// null hypothesis the two systems' outputs on an item are exchangeable, so each trial swaps
/// every item's pair of outputs with probability 1/2 (`rng.random::<bool>()` per item, in item
/// order, from `ChaCha8Rng::seed_from_u64(seed)`), recomputes both *corpus* scores from the
/// swapped items' summed statistics, and counts trials whose absolute score difference is at
/// least the observed one. p = (count + 1) / (trials + 1).
pub fn paired_permutation(
    first: &ItemTable,
    second: &ItemTable,
    metric: &CorpusMetric,
    trials: usize,
    seed: u64,
) -> Result<Permutation, StatsError> {
    let n = check_tables(metric, &[first, second])?;
    if trials == 0 {
        return Err(StatsError::Zero("trials"));
    }
    let width = metric.width();
    let (a_total, b_total) = (first.total(), second.total());
    let score_a = metric.score(&a_total)?;
    let score_b = metric.score(&b_total)?;
    let observed = (score_a - score_b).abs();
    // Swapping item i moves (b_i − a_i) from the second system's sum to the first's.
    let delta: Vec<i64> = (0..n)
        .flat_map(|i| {
            first
                .row(i)
                .iter()
                .zip(second.row(i))
                .map(|(&a, &b)| b as i64 - a as i64)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut shift = vec![0i64; width];
    let mut sa = vec![0u64; width];
    let mut sb = vec![0u64; width];
    let mut as_extreme = 0usize;
    for _ in 0..trials {
        shift.iter_mut().for_each(|s| *s = 0);
        for i in 0..n {
            if rng.random::<bool>() {
                for (s, d) in shift.iter_mut().zip(&delta[i * width..(i + 1) * width]) {
                    *s += d;
                }
            }
        }
        for k in 0..width {
            sa[k] = (a_total[k] as i64 + shift[k]) as u64;
            sb[k] = (b_total[k] as i64 - shift[k]) as u64;
        }
        let d = (metric.score(&sa)? - metric.score(&sb)?).abs();
        as_extreme += usize::from(d >= observed);
    }
    Ok(Permutation {
        first: score_a,
        second: score_b,
        trials,
        as_extreme,
        p_value: (as_extreme + 1) as f64 / (trials + 1) as f64,
    })
}

/// A seeded split of `n` items into two halves: the indices shuffled (Fisher–Yates,
/// `ChaCha8Rng::seed_from_u64(seed)`), the first ⌊n/2⌋ forming the first half; each half
/// sorted.
pub fn split_halves(n: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut second = idx.split_off(n / 2);
    idx.sort_unstable();
    second.sort_unstable();
    (idx, second)
}

/// The cross-fitted oracle of several candidate systems.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossFitted {
    /// The candidate scoring best on the first half (scored on the second).
    pub chosen_on_first: usize,
    /// The candidate scoring best on the second half (scored on the first).
    pub chosen_on_second: usize,
    /// Score on the second half of the candidate chosen on the first, and vice versa.
    pub second_half_score: f64,
    pub first_half_score: f64,
    /// The corpus score of the combined system: every item answered by the candidate chosen
    /// on the other half.
    pub score: f64,
}

/// The cross-fitted oracle: the best candidate (first on ties, as the plain oracle) is chosen
/// on one half of the items and scored on the other, both ways; `score` is the corpus score of
/// the items each answered by the choice made without them. Unlike the plain oracle (the
/// maximum over candidates on all items), it does not profit from the items' noise.
pub fn cross_fitted_oracle(
    candidates: &[&ItemTable],
    metric: &CorpusMetric,
    halves: (&[usize], &[usize]),
) -> Result<CrossFitted, StatsError> {
    let n = check_tables(metric, candidates)?;
    let (first, second) = halves;
    if first.is_empty() || second.is_empty() {
        return Err(StatsError::TooFewToSplit(n));
    }
    if let Some(&bad) = first.iter().chain(second).find(|&&i| i >= n) {
        return Err(StatsError::Shape(format!("item {bad} of {n} in a half")));
    }
    let best_on = |half: &[usize]| -> Result<usize, StatsError> {
        let mut best = 0;
        let mut best_score = f64::NEG_INFINITY;
        for (i, c) in candidates.iter().enumerate() {
            let s = metric.score(&c.sum_over(half))?;
            if s > best_score {
                best = i;
                best_score = s;
            }
        }
        Ok(best)
    };
    let on_first = best_on(first)?;
    let on_second = best_on(second)?;
    let b_part = candidates[on_first].sum_over(second);
    let a_part = candidates[on_second].sum_over(first);
    let combined: Vec<u64> = a_part.iter().zip(&b_part).map(|(a, b)| a + b).collect();
    Ok(CrossFitted {
        chosen_on_first: on_first,
        chosen_on_second: on_second,
        second_half_score: metric.score(&b_part)?,
        first_half_score: metric.score(&a_part)?,
        score: metric.score(&combined)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_ranks_share_ties() {
        let (r, ties) = average_ranks(&[3.0, 1.0, 3.0, 2.0]);
        assert_eq!(r, [3.5, 1.0, 3.5, 2.0]);
        assert!(ties);
        assert_eq!(tie_sizes(&[3.0, 1.0, 3.0]).collect::<Vec<_>>(), [1.0, 2.0]);
    }

    /// n = 3: subsets of {1,2,3} by sum: 0:{} 1:{1} 2:{2} 3:{3},{1,2} 4:{1,3} 5:{2,3} 6:{1,2,3}.
    #[test]
    fn signed_rank_counts_by_hand() {
        assert_eq!(signed_rank_counts(3), [1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0]);
    }
}
