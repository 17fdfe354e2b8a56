//! Language neuron sets `T_l` from activation probabilities (docs/METHOD.md §2).

use serde::{Deserialize, Serialize};

use crate::generic::{GenericNeurons, generic_neurons};
use crate::quantile::{kth_smallest, python_rank, quantile_linear};
use crate::{ModelShape, NeuronSet, OverlapError, StatsTable};

/// How the per-language cut-off of the top-rate rule is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// The `(1 - top_rate)` quantile with linear interpolation (numpy/torch default), see
    /// [`quantile_linear`]. Default.
    #[default]
    Quantile,
    /// What the reference code does: `torch.kthvalue(p, round(N * (1 - top_rate)))`, the
    /// k-th smallest value with Python rounding of the rank.
    KthValue,
}

/// Rule that turns activation probabilities into language neuron sets.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SetMethod {
    /// `T_l` = neurons whose `p_l` is at or above the cut-off of `p_l` over all neurons of the
    /// model (every layer together).
    TopRate { top_rate: f64, threshold: Threshold },
    /// LAPE, Tang et al. 2024 ("Language-Specific Neurons", ACL 2024), read from their
    /// `identify.py` as follows. With `P[n, l]` the probability of neuron `n` in language `l`
    /// and `N` neurons, `Λ` languages:
    /// 1. `q[n, l] = P[n, l] / Σ_l P[n, l]` (0 when the sum is 0); entropy
    ///    `H[n] = -Σ_l q ln q` over `q > 0`.
    /// 2. `filter_bar` = the k-th smallest of all `N·Λ` values of `P`, `k = round(N·Λ·filter_rate)`
    ///    (Python rounding). A neuron none of whose languages has `P > filter_bar` is dismissed.
    /// 3. Of the remaining neurons keep the `round(N·top_rate)` with the lowest entropy (ties:
    ///    lower id first). The reference code marks dismissed neurons with entropy +inf but could
    ///    still select them if fewer than that many remain; here they are never selected (with
    ///    the default, equal bars, step 4 would drop them anyway).
    /// 4. `activation_bar` = the k-th smallest of `P` with `k = round(N·Λ·activation_bar_ratio)`;
    ///    `T_l` = kept neurons with `P[n, l] > activation_bar` (strict), so one neuron may belong
    ///    to several languages.
    Lape {
        top_rate: f64,
        filter_rate: f64,
        activation_bar_ratio: f64,
    },
}

impl Default for SetMethod {
    /// Top rate 1 %, quantile cut-off (docs/METHOD.md §2 default).
    fn default() -> Self {
        SetMethod::TopRate {
            top_rate: 0.01,
            threshold: Threshold::Quantile,
        }
    }
}

impl SetMethod {
    /// LAPE with top rate 1 % and both bars at the 95th percentile.
    pub fn lape() -> Self {
        SetMethod::Lape {
            top_rate: 0.01,
            filter_rate: 0.95,
            activation_bar_ratio: 0.95,
        }
    }
}

/// The language sets of every language of a [`StatsTable`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageSets {
    pub shape: ModelShape,
    pub method: SetMethod,
    /// Languages in table order.
    pub languages: Vec<String>,
    /// `sets[i]` is `T` of `languages[i]`.
    pub sets: Vec<NeuronSet>,
    /// Per language, the cut-off used: `p >= threshold` for the top-rate rule, `p > threshold`
    /// (the activation bar, equal for all languages) for LAPE.
    pub thresholds: Vec<f64>,
    /// Which generic neurons were left out before the sets were taken.
    #[serde(default)]
    pub generic: GenericNeurons,
    /// How many neurons that rule left out (0 when it keeps them all).
    #[serde(default)]
    pub excluded: usize,
}

impl LanguageSets {
    /// `T` of one language.
    pub fn get(&self, language: &str) -> Result<&NeuronSet, OverlapError> {
        self.languages
            .iter()
            .position(|l| l == language)
            .map(|i| &self.sets[i])
            .ok_or_else(|| OverlapError::UnknownLanguage {
                language: language.to_string(),
                known: self.languages.join(", "),
            })
    }
}

fn check_rate(name: &'static str, value: f64) -> Result<(), OverlapError> {
    if !(value > 0.0 && value <= 1.0) {
        return Err(OverlapError::BadParameter {
            name,
            value,
            expected: "a number in (0, 1]",
        });
    }
    Ok(())
}

/// Build `T_l` for every language of `table` with `method` (the reference method: nothing
/// left out).
pub fn language_sets(table: &StatsTable, method: &SetMethod) -> Result<LanguageSets, OverlapError> {
    language_sets_with(table, method, GenericNeurons::Keep)
}

/// Build `T_l` for every language of `table` with `method`, after leaving out the neurons
/// `generic` names: the top rate (or LAPE's selection) then applies to the remaining neurons.
pub fn language_sets_with(
    table: &StatsTable,
    method: &SetMethod,
    generic: GenericNeurons,
) -> Result<LanguageSets, OverlapError> {
    if table.is_empty() {
        return Err(OverlapError::NoLanguages);
    }
    let excluded = generic_neurons(table, generic, || {
        Ok(build(table, method, &NeuronSet::empty(table.shape()))?.0)
    })?;
    let (sets, thresholds) = build(table, method, &excluded)?;
    Ok(LanguageSets {
        shape: table.shape(),
        method: *method,
        languages: table.languages().iter().map(|s| s.to_string()).collect(),
        sets,
        thresholds,
        generic,
        excluded: excluded.len(),
    })
}

/// The sets and cut-offs of every language, never picking a neuron of `excluded`.
fn build(
    table: &StatsTable,
    method: &SetMethod,
    excluded: &NeuronSet,
) -> Result<(Vec<NeuronSet>, Vec<f64>), OverlapError> {
    let shape = table.shape();
    Ok(match *method {
        SetMethod::TopRate {
            top_rate,
            threshold,
        } => {
            check_rate("top_rate", top_rate)?;
            let mut sets = Vec::with_capacity(table.len());
            let mut cuts = Vec::with_capacity(table.len());
            for stats in table.stats() {
                let cut = top_rate_cut(&stats.p, excluded, top_rate, threshold)?;
                let ids = (0..stats.p.len() as u32)
                    .filter(|&i| stats.p[i as usize] >= cut && !excluded.contains(i))
                    .collect();
                sets.push(NeuronSet::from_sorted_unchecked(shape, ids));
                cuts.push(cut);
            }
            (sets, cuts)
        }
        SetMethod::Lape {
            top_rate,
            filter_rate,
            activation_bar_ratio,
        } => {
            check_rate("top_rate", top_rate)?;
            check_rate("filter_rate", filter_rate)?;
            check_rate("activation_bar_ratio", activation_bar_ratio)?;
            lape(table, top_rate, filter_rate, activation_bar_ratio, excluded)?
        }
    })
}

fn lape(
    table: &StatsTable,
    top_rate: f64,
    filter_rate: f64,
    activation_bar_ratio: f64,
    excluded: &NeuronSet,
) -> Result<(Vec<NeuronSet>, Vec<f64>), OverlapError> {
    let shape = table.shape();
    let n = shape.total();
    let probs: Vec<&[f64]> = table.stats().iter().map(|s| s.p.as_slice()).collect();
    let all: Vec<f64> = probs.iter().flat_map(|p| p.iter().copied()).collect();
    let filter_bar = kth_smallest(
        &all,
        python_rank("LAPE filter_rate", all.len(), filter_rate)?,
    )?;
    let activation_bar = kth_smallest(
        &all,
        python_rank("LAPE activation_bar_ratio", all.len(), activation_bar_ratio)?,
    )?;
    drop(all);

    let mut candidates: Vec<(f64, u32)> = Vec::new();
    for i in 0..n {
        if excluded.contains(i as u32) || !probs.iter().any(|p| p[i] > filter_bar) {
            continue;
        }
        let sum: f64 = probs.iter().map(|p| p[i]).sum();
        // sum > 0 here: some p exceeds filter_bar >= 0.
        let entropy = -probs
            .iter()
            .map(|p| p[i] / sum)
            .filter(|&q| q > 0.0)
            .map(|q| q * q.ln())
            .sum::<f64>();
        candidates.push((entropy, i as u32));
    }
    let keep = ((n as f64 * top_rate).round_ties_even() as usize).min(candidates.len());
    if keep > 0 && keep < candidates.len() {
        candidates.select_nth_unstable_by(keep - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    let mut selected: Vec<u32> = candidates[..keep].iter().map(|c| c.1).collect();
    selected.sort_unstable();
    let sets = probs
        .iter()
        .map(|p| {
            let ids = selected
                .iter()
                .copied()
                .filter(|&i| p[i as usize] > activation_bar)
                .collect();
            NeuronSet::from_sorted_unchecked(shape, ids)
        })
        .collect();
    Ok((sets, vec![activation_bar; probs.len()]))
}

/// The top-rate cut-off of one language over the neurons not in `excluded`: the same rule as
/// without exclusion, applied to the remaining neurons' probabilities.
fn top_rate_cut(
    p: &[f64],
    excluded: &NeuronSet,
    top_rate: f64,
    threshold: Threshold,
) -> Result<f64, OverlapError> {
    let pool: Vec<f64>;
    let values: &[f64] = if excluded.is_empty() {
        p
    } else {
        pool = (0..p.len() as u32)
            .filter(|&i| !excluded.contains(i))
            .map(|i| p[i as usize])
            .collect();
        &pool
    };
    if values.is_empty() {
        return Err(OverlapError::BadParameter {
            name: "generic neurons",
            value: excluded.len() as f64,
            expected: "fewer neurons left out than the model has",
        });
    }
    match threshold {
        Threshold::Quantile => quantile_linear(values, 1.0 - top_rate),
        Threshold::KthValue => kth_smallest(
            values,
            python_rank("top-rate kthvalue", values.len(), 1.0 - top_rate)?,
        ),
    }
}
