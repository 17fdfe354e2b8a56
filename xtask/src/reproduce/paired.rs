//! Per pair and task, over the task's items: how sure each difference between the HSIC-chosen
//! bridge and a baseline is (docs/METHOD.md §8). Paired bootstrap intervals of HSIC − direct,
//! HSIC − English and HSIC − random; an exact McNemar test (accuracy) or paired permutation
//! tests (chrF++ and BLEU) against direct and English; the cross-fitted oracle. Everything is
//! computed from the items' outcomes of every route, kept by the runner
//! ([`xicl_eval::RunSummary::outcomes`]), with the statistics of [`xicl_eval::significance`].

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use xicl_eval::significance::{
    self, BOOTSTRAP_RESAMPLES, Contrast, CorpusMetric, Interval, ItemTable, PERMUTATION_TRIALS,
};
use xicl_eval::{BaselineSpec, BleuConfig, ChrfConfig, Outcome, Route, RunSummary, TaskMetrics};

/// The seed of every bootstrap, permutation and split of the report.
pub const SEED: u64 = 13;

/// What the HSIC-chosen bridge is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    Direct,
    English,
    /// The mean over the candidate bridges (the expectation of a random pick).
    Random,
}

impl Against {
    pub const ALL: [Against; 3] = [Against::Direct, Against::English, Against::Random];

    pub fn baseline(self) -> xicl_eval::Baseline {
        match self {
            Against::Direct => xicl_eval::Baseline::Direct,
            Against::English => xicl_eval::Baseline::EnglishBridge,
            Against::Random => xicl_eval::Baseline::RandomBridge,
        }
    }
}

impl fmt::Display for Against {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Against::Direct => "direct",
            Against::English => "English",
            Against::Random => "random",
        })
    }
}

/// The statistics of one pair's task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatistics {
    /// Bootstrap resamples, permutation trials, and the seed of both and of the split.
    pub resamples: usize,
    pub trials: usize,
    pub seed: u64,
    /// HSIC against each baseline that applies and is another route (none without a choice).
    pub comparisons: Vec<Comparison>,
    /// `None` with fewer than 2 items.
    pub cross_fitted_oracle: Option<CrossFittedOracle>,
}

/// HSIC − a baseline on one pair's task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub against: Against,
    /// The task's primary metric (`accuracy`, `chrf++`) and the difference in it, with its
    /// paired-bootstrap 95% interval.
    pub metric: String,
    pub difference: Interval,
    /// McNemar (accuracy) or permutation tests (chrF++ then BLEU); none against random, which
    /// is a mean over bridges and not one route's outputs.
    pub tests: Vec<PairTest>,
}

impl Comparison {
    /// The test of the primary metric, if any.
    pub fn primary_test(&self) -> Option<&PairTest> {
        self.tests.iter().find(|t| t.metric == self.metric)
    }
}

/// One paired test of HSIC against a route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairTest {
    pub metric: String,
    pub p_value: f64,
    #[serde(flatten)]
    pub kind: TestKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "test", rename_all = "snake_case")]
pub enum TestKind {
    /// Exact McNemar: items only HSIC got right, items only the other route got right.
    McNemar { hsic_only: usize, other_only: usize },
    /// Paired permutation of corpus scores: the observed HSIC − other, the trials, and how
    /// many were at least as far from 0.
    Permutation {
        difference: f64,
        trials: usize,
        as_extreme: usize,
    },
}

impl TestKind {
    pub fn name(&self) -> &'static str {
        match self {
            TestKind::McNemar { .. } => "exact McNemar",
            TestKind::Permutation { .. } => "paired permutation",
        }
    }
}

/// The best candidate chosen on one half of the items and scored on the other, both ways.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossFittedOracle {
    /// The corpus score of every item answered by the bridge chosen on the other half.
    pub score: f64,
    pub chosen_on_first: String,
    pub chosen_on_second: String,
    pub first_half: usize,
    pub second_half: usize,
}

/// The metrics to test: the primary one first.
fn metrics_of(run: &RunSummary, target: &str) -> Vec<(&'static str, CorpusMetric)> {
    match run.metrics {
        TaskMetrics::Accuracy { .. } => vec![("accuracy", CorpusMetric::Accuracy)],
        TaskMetrics::Translation { .. } => vec![
            ("chrf++", CorpusMetric::Chrf(ChrfConfig::chrf_pp())),
            ("bleu", CorpusMetric::Bleu(BleuConfig::for_target(target))),
        ],
    }
}

/// The statistics of one task of one pair from its runs (one per route of `spec`); `target`
/// is the pair's target language (BLEU's tokeniser).
pub fn task_statistics(
    runs: &[RunSummary],
    spec: &BaselineSpec,
    target: &str,
) -> anyhow::Result<TaskStatistics> {
    let first = runs.first().context("no runs to compare")?;
    let ids: Vec<&str> = first.outcomes.iter().map(|o| o.id.as_str()).collect();
    if ids.is_empty() {
        bail!(
            "{} {}: the run kept no item outcomes",
            first.task,
            first.route
        );
    }
    let mut by_route: BTreeMap<&Route, &RunSummary> = BTreeMap::new();
    for r in runs {
        let these: Vec<&str> = r.outcomes.iter().map(|o| o.id.as_str()).collect();
        if these != ids {
            bail!(
                "{}: route {} scored other items than route {} ({} against {}); paired statistics need the same items",
                r.task,
                r.route,
                first.route,
                these.len(),
                ids.len()
            );
        }
        by_route.insert(&r.route, r);
    }
    let metrics = metrics_of(first, target);
    // Per metric, per route: the items' statistics.
    let mut tables: Vec<BTreeMap<&Route, ItemTable>> = Vec::new();
    for (name, m) in &metrics {
        let mut t = BTreeMap::new();
        for (route, r) in &by_route {
            let outcomes: Vec<Outcome> = r.outcomes.iter().map(|o| o.outcome.clone()).collect();
            let table = ItemTable::from_outcomes(m, &outcomes)?;
            // The items' statistics must give the route's reported score.
            let rebuilt = m.score(&table.total())?;
            let reported = r.metrics.get(name).unwrap_or(f64::NAN);
            if (rebuilt - reported).abs() > 1e-9 {
                bail!(
                    "{} {}: {name} from the items is {rebuilt}, the run reported {reported}",
                    r.task,
                    r.route
                );
            }
            t.insert(*route, table);
        }
        tables.push(t);
    }
    let table = |k: usize, route: &Route| -> anyhow::Result<&ItemTable> {
        tables[k]
            .get(route)
            .with_context(|| format!("{}: no run of route {route}", first.task))
    };
    let candidates: Vec<Route> = spec
        .candidates
        .iter()
        .map(|c| Route::Bridge(c.clone()))
        .collect();

    let mut comparisons = Vec::new();
    if let Some(hsic) = spec.hsic_choice.as_ref().map(|c| Route::Bridge(c.clone())) {
        let (primary_name, primary) = metrics[0];
        // systems: HSIC, then the routes compared with, then the candidates (random)
        let mut systems: Vec<&ItemTable> = vec![table(0, &hsic)?];
        let mut contrasts = Vec::new();
        let mut against = Vec::new();
        for a in Against::ALL {
            let others: Vec<Route> = match a {
                Against::Direct => vec![Route::Direct],
                Against::English if spec.has_english_bridge() => {
                    vec![Route::Bridge("en".into())]
                }
                Against::English => continue,
                Against::Random => candidates.clone(),
            };
            if others == [hsic.clone()] {
                continue; // HSIC chose English: the same route
            }
            let mut minus = Vec::new();
            for o in &others {
                minus.push(systems.len());
                systems.push(table(0, o)?);
            }
            contrasts.push(Contrast { plus: 0, minus });
            against.push((a, others));
        }
        let intervals = significance::bootstrap_contrasts(
            &systems,
            &primary,
            &contrasts,
            BOOTSTRAP_RESAMPLES,
            SEED,
        )?;
        for ((a, others), difference) in against.into_iter().zip(intervals) {
            let mut tests = Vec::new();
            if let [other] = others.as_slice()
                && a != Against::Random
            {
                for (k, (name, m)) in metrics.iter().enumerate() {
                    tests.push(pair_test(name, m, table(k, &hsic)?, table(k, other)?)?);
                }
            }
            comparisons.push(Comparison {
                against: a,
                metric: primary_name.to_string(),
                difference,
                tests,
            });
        }
    }

    let cross_fitted_oracle = if ids.len() >= 2 && !candidates.is_empty() {
        let (first_half, second_half) = significance::split_halves(ids.len(), SEED);
        let cands: Vec<&ItemTable> = candidates
            .iter()
            .map(|c| table(0, c))
            .collect::<anyhow::Result<_>>()?;
        let c =
            significance::cross_fitted_oracle(&cands, &metrics[0].1, (&first_half, &second_half))?;
        Some(CrossFittedOracle {
            score: c.score,
            chosen_on_first: spec.candidates[c.chosen_on_first].clone(),
            chosen_on_second: spec.candidates[c.chosen_on_second].clone(),
            first_half: first_half.len(),
            second_half: second_half.len(),
        })
    } else {
        None
    };
    Ok(TaskStatistics {
        resamples: BOOTSTRAP_RESAMPLES,
        trials: PERMUTATION_TRIALS,
        seed: SEED,
        comparisons,
        cross_fitted_oracle,
    })
}

/// McNemar for accuracy, the permutation test for corpus metrics.
fn pair_test(
    name: &str,
    m: &CorpusMetric,
    hsic: &ItemTable,
    other: &ItemTable,
) -> anyhow::Result<PairTest> {
    Ok(match m {
        CorpusMetric::Accuracy => {
            let right = |t: &ItemTable| (0..t.len()).map(|i| t.row(i)[0] == 1).collect::<Vec<_>>();
            let r = significance::mcnemar_exact(&right(hsic), &right(other))?;
            PairTest {
                metric: name.to_string(),
                p_value: r.p_value,
                kind: TestKind::McNemar {
                    hsic_only: r.only_first,
                    other_only: r.only_second,
                },
            }
        }
        _ => {
            let r = significance::paired_permutation(hsic, other, m, PERMUTATION_TRIALS, SEED)?;
            PairTest {
                metric: name.to_string(),
                p_value: r.p_value,
                kind: TestKind::Permutation {
                    difference: r.first - r.second,
                    trials: r.trials,
                    as_extreme: r.as_extreme,
                },
            }
        }
    })
}
