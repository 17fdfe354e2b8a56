//! The baselines of docs/METHOD.md §6, reported for every pair and task, built from per-route scores:
//! direct; English bridge; every candidate bridge; oracle (best candidate); random bridge (mean
//! over candidates, the expectation of a uniformly random pick); HSIC-chosen; FLORES-similarity
//! chosen (ablation).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::EvalError;
use crate::mode::Route;
use crate::runner::RunSummary;

/// docs/METHOD.md §5: default candidate bridges (the list lives in `langs`).
pub use langs::DEFAULT_BRIDGES as DEFAULT_CANDIDATES;

/// The default candidates that are not one of `endpoints`.
pub fn default_candidates(endpoints: &[&str]) -> Vec<String> {
    langs::default_bridges(endpoints)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// One score per route from run summaries of one task and pair: `metric` names a score of
/// [`crate::TaskMetrics::named`] (`accuracy`, `bleu`, `chrf`, `chrf++`), `None` = the primary one.
pub fn route_scores(
    summaries: &[RunSummary],
    metric: Option<&str>,
) -> Result<BTreeMap<Route, f64>, EvalError> {
    let mut out = BTreeMap::new();
    for s in summaries {
        let v = match metric {
            None => s.primary(),
            Some(m) => s.metrics.get(m).ok_or_else(|| {
                EvalError::Baseline(format!(
                    "run {} {} has no metric {m:?}; it has {:?}",
                    s.task,
                    s.route,
                    s.metrics
                        .named()
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                ))
            })?,
        };
        if let Some(first) = summaries.first().filter(|f| f.task != s.task) {
            return Err(EvalError::Baseline(format!(
                "summaries of different tasks mixed: {} and {}",
                first.task, s.task
            )));
        }
        if out.insert(s.route.clone(), v).is_some() {
            return Err(EvalError::Baseline(format!(
                "route {} given twice",
                s.route
            )));
        }
    }
    Ok(out)
}

/// One reported baseline.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    Direct,
    EnglishBridge,
    Candidate(String),
    Oracle,
    RandomBridge,
    HsicChosen,
    FloresSimilarityChosen,
}

impl fmt::Display for Baseline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Baseline::Direct => f.write_str("direct"),
            Baseline::EnglishBridge => f.write_str("english-bridge"),
            Baseline::Candidate(c) => write!(f, "bridge-{c}"),
            Baseline::Oracle => f.write_str("oracle"),
            Baseline::RandomBridge => f.write_str("random-bridge"),
            Baseline::HsicChosen => f.write_str("hsic"),
            Baseline::FloresSimilarityChosen => f.write_str("flores-similarity"),
        }
    }
}

/// Which bridges a pair's baselines involve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineSpec {
    /// The task's own languages (no bridge may be one of them).
    pub endpoints: Vec<String>,
    /// Candidate bridges, in report order.
    pub candidates: Vec<String>,
    /// The bridge chosen by HSIC (docs/METHOD.md §5), if scored.
    pub hsic_choice: Option<String>,
    /// The bridge chosen by FLORES similarity (docs/METHOD.md §2), if computed.
    pub flores_choice: Option<String>,
}

impl BaselineSpec {
    /// Check the spec: candidates present, unique, none an endpoint; choices not endpoints.
    pub fn validate(&self) -> Result<(), EvalError> {
        if self.candidates.is_empty() {
            return Err(EvalError::Baseline("no candidate bridges".into()));
        }
        for (i, c) in self.candidates.iter().enumerate() {
            if self.candidates[..i].contains(c) {
                return Err(EvalError::Baseline(format!(
                    "candidate {c:?} is listed twice"
                )));
            }
        }
        let all = self
            .candidates
            .iter()
            .chain(&self.hsic_choice)
            .chain(&self.flores_choice);
        for c in all {
            if self.endpoints.contains(c) {
                return Err(EvalError::Baseline(format!(
                    "bridge {c:?} is one of the task's languages {:?}",
                    self.endpoints
                )));
            }
        }
        Ok(())
    }

    /// Whether the English-bridge baseline applies (English is not an endpoint).
    pub fn has_english_bridge(&self) -> bool {
        !self.endpoints.iter().any(|e| e == "en")
    }

    /// Every route to run for the report, each once: direct first, then bridges.
    pub fn routes(&self) -> Vec<Route> {
        let mut bridges: Vec<&String> = Vec::new();
        let english = "en".to_owned();
        let extra = self.has_english_bridge().then_some(&english);
        for c in extra
            .into_iter()
            .chain(&self.candidates)
            .chain(&self.hsic_choice)
            .chain(&self.flores_choice)
        {
            if !bridges.contains(&c) {
                bridges.push(c);
            }
        }
        std::iter::once(Route::Direct)
            .chain(bridges.into_iter().map(|b| Route::Bridge(b.clone())))
            .collect()
    }

    /// The baseline rows from one score per route (higher is better). Every route of
    /// [`BaselineSpec::routes`] must have a score.
    pub fn aggregate(&self, scores: &BTreeMap<Route, f64>) -> Result<BaselineReport, EvalError> {
        self.validate()?;
        let get = |r: Route| {
            scores
                .get(&r)
                .copied()
                .ok_or_else(|| EvalError::MissingRun(r.to_string()))
        };
        let bridge = |c: &str| get(Route::Bridge(c.to_owned()));
        let mut rows = vec![BaselineRow {
            baseline: Baseline::Direct,
            bridge: None,
            score: get(Route::Direct)?,
        }];
        if self.has_english_bridge() {
            rows.push(BaselineRow {
                baseline: Baseline::EnglishBridge,
                bridge: Some("en".into()),
                score: bridge("en")?,
            });
        }
        let mut cand_scores = Vec::with_capacity(self.candidates.len());
        for c in &self.candidates {
            let s = bridge(c)?;
            cand_scores.push(s);
            rows.push(BaselineRow {
                baseline: Baseline::Candidate(c.clone()),
                bridge: Some(c.clone()),
                score: s,
            });
        }
        // first best candidate in list order wins ties
        let mut best = 0;
        for (i, &s) in cand_scores.iter().enumerate() {
            if s > cand_scores[best] {
                best = i;
            }
        }
        rows.push(BaselineRow {
            baseline: Baseline::Oracle,
            bridge: Some(self.candidates[best].clone()),
            score: cand_scores[best],
        });
        rows.push(BaselineRow {
            baseline: Baseline::RandomBridge,
            bridge: None,
            score: cand_scores.iter().sum::<f64>() / cand_scores.len() as f64,
        });
        for (baseline, choice) in [
            (Baseline::HsicChosen, &self.hsic_choice),
            (Baseline::FloresSimilarityChosen, &self.flores_choice),
        ] {
            if let Some(c) = choice {
                rows.push(BaselineRow {
                    baseline,
                    bridge: Some(c.clone()),
                    score: bridge(c)?,
                });
            }
        }
        Ok(BaselineReport { rows })
    }
}

/// One row of a baseline report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineRow {
    pub baseline: Baseline,
    /// The bridge the row's score comes from (none for direct and random).
    pub bridge: Option<String>,
    pub score: f64,
}

/// All baselines of one pair, task and metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaselineReport {
    pub rows: Vec<BaselineRow>,
}

impl BaselineReport {
    pub fn get(&self, baseline: &Baseline) -> Option<&BaselineRow> {
        self.rows.iter().find(|r| &r.baseline == baseline)
    }
}
