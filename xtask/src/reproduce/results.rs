//! What a reproduce run found, as one serialisable document (`results.json`), plus the flat
//! CSV views of it. The report (`report.rs`) renders the same document.

use serde::{Deserialize, Serialize};
use xicl_eval::{Baseline, BaselineRow};

use super::across::AcrossPairs;
use super::paired::{TaskStatistics, TestKind};

pub const RESULTS_FORMAT: &str = "bridgex-reproduce/1";

/// The whole study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub format: String,
    pub model: neuron_probe::ModelIdentity,
    pub settings: Settings,
    /// Language similarity over every language of the run, `None` if it failed (see `skipped`).
    pub similarity: Option<SimilaritySummary>,
    pub pairs: Vec<PairResult>,
    /// Everything not run, with the reason.
    pub skipped: Vec<Skip>,
    /// Wall-clock seconds of this invocation (a resumed run counts only its own time).
    pub seconds: f64,
    /// Pairs whose bridge and tasks are all done; the others are pending in a partial report.
    pub complete: bool,
    /// The statistics across pairs, recomputed from `pairs` whenever the outputs are written
    /// (absent in results made before they existed).
    #[serde(default)]
    pub across: Option<AcrossPairs>,
}

/// The options a run was made with (what a reader needs to judge the numbers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub command: String,
    pub device: String,
    pub tasks: Vec<String>,
    /// Items per task and route (`None` = all; Belebele at most 500).
    pub limit: Option<usize>,
    /// The limit's items were spread evenly over each task's items (absent in older results,
    /// which took the first N).
    #[serde(default)]
    pub limit_spread: bool,
    /// FLORES devtest sentences per language for the statistics (`None` = all 1012).
    pub stats_sentences: Option<usize>,
    pub probe_size: usize,
    /// Words the understanding filter judges at most (`None` = the whole train split).
    pub filter_max_words: Option<usize>,
    pub keep_collapsed_layers: bool,
    /// How XCOPA, SIB-200 and Belebele answers were read (absent in older results: generated).
    #[serde(default)]
    pub scoring: xicl_eval::AnswerScoring,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilaritySummary {
    pub languages: Vec<String>,
    pub overlap: Vec<Vec<usize>>,
    pub cosine: Vec<Vec<f64>>,
    /// Per language: nearest other language by overlap count, and its family.
    pub nearest: Vec<Nearest>,
    /// Heat-map images, relative to the output folder.
    pub images: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nearest {
    pub language: String,
    pub family: String,
    pub nearest: Option<String>,
    pub nearest_family: Option<String>,
}

/// One pair: its bridge ranking and its tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairResult {
    pub pair: String,
    pub source: String,
    pub target: String,
    pub families: (String, String),
    pub tiers: (String, String),
    pub bridge: Option<BridgeSummary>,
    /// The bridge chosen by FLORES similarity (overlap with the target's set).
    pub flores_choice: Option<String>,
    pub tasks: Vec<TaskResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BridgeSummary {
    pub chosen: Option<String>,
    /// Candidates by decreasing score, with their bridge score.
    pub ranking: Vec<(String, Option<f64>)>,
    /// Window layers left out as σ-collapsed, summed over candidates.
    pub collapsed_layers: usize,
    pub dictionary: String,
    pub filter_survived: usize,
    pub filter_judged: usize,
    pub filter_fell_back: bool,
    pub probe_samples: usize,
    /// Per-layer HSIC curve image, relative to the output folder.
    pub image: Option<String>,
    /// How sure the choice is (docs/METHOD.md §9); absent in reports made before it existed.
    #[serde(default)]
    pub confidence: Option<ChoiceConfidence>,
}

/// The bootstrap's word on one pair's choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceConfidence {
    pub replicates: usize,
    /// Share of the replicates the chosen bridge won.
    pub win_rate: f64,
    /// 95% interval of the chosen bridge's score.
    pub interval: Option<(f64, f64)>,
    /// `clear`, or the candidates the choice is uncertain between.
    pub clear: bool,
    pub uncertain_between: Vec<String>,
}

/// One task of one pair under every baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    /// The task's name as given (`bli`, `mt`, `xcopa`, `sib`, `belebele`).
    pub task: String,
    /// The runner's key with its languages (`bli:en-sw`, `sib200:sw`).
    pub key: String,
    /// The metric of `rows` (`accuracy` or `chrf++`).
    pub metric: String,
    /// Items scored per route.
    pub items: usize,
    pub rows: Vec<BaselineRow>,
    /// Every metric of every route (BLEU and chrF too for MT): (route, metric, value).
    pub all_metrics: Vec<(String, String, f64)>,
    /// Paired statistics over the items (absent in results made before they existed).
    #[serde(default)]
    pub statistics: Option<TaskStatistics>,
}

impl TaskResult {
    pub fn score(&self, b: &Baseline) -> Option<f64> {
        self.rows.iter().find(|r| &r.baseline == b).map(|r| r.score)
    }

    pub fn bridge_of(&self, b: &Baseline) -> Option<&str> {
        self.rows
            .iter()
            .find(|r| &r.baseline == b)
            .and_then(|r| r.bridge.as_deref())
    }
}

/// Something not run, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skip {
    /// `similarity`, a pair, or `pair/task`.
    pub what: String,
    pub reason: String,
}

/// `scores.csv`: one row per pair, task, metric and route/baseline.
pub fn scores_csv(r: &Results) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "pair", "task", "items", "kind", "name", "bridge", "metric", "score",
    ])?;
    for p in &r.pairs {
        for t in &p.tasks {
            for row in &t.rows {
                w.write_record([
                    p.pair.as_str(),
                    t.task.as_str(),
                    &t.items.to_string(),
                    "baseline",
                    &row.baseline.to_string(),
                    row.bridge.as_deref().unwrap_or(""),
                    t.metric.as_str(),
                    &format!("{:.6}", row.score),
                ])?;
            }
            for (route, metric, value) in &t.all_metrics {
                w.write_record([
                    p.pair.as_str(),
                    t.task.as_str(),
                    &t.items.to_string(),
                    "route",
                    route.as_str(),
                    route.strip_prefix("bridge:").unwrap_or(""),
                    metric.as_str(),
                    &format!("{value:.6}"),
                ])?;
            }
        }
    }
    Ok(w.into_inner()?)
}

fn num(v: f64) -> String {
    format!("{v:.6}")
}

/// `statistics.csv`: per pair and task, each comparison's difference, interval and tests and the
/// cross-fitted oracle; across pairs, each comparison's mean, interval, sign and Wilcoxon tests.
pub fn statistics_csv(r: &Results) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scope",
        "pair",
        "task",
        "comparison",
        "metric",
        "estimate",
        "low",
        "high",
        "test",
        "statistic",
        "p_value",
        "p_holm",
    ])?;
    for p in &r.pairs {
        for t in &p.tasks {
            let Some(s) = &t.statistics else { continue };
            let holm_of = |against| {
                r.across
                    .as_ref()
                    .and_then(|a| {
                        a.comparisons
                            .iter()
                            .find(|c| c.task == t.task && c.against == against)
                    })
                    .and_then(|c| c.per_pair.iter().find(|x| x.pair == p.pair))
                    .map_or(String::new(), |x| num(x.holm))
            };
            for c in &s.comparisons {
                let name = format!("hsic-{}", c.against.to_string().to_lowercase());
                w.write_record([
                    "pair",
                    p.pair.as_str(),
                    t.task.as_str(),
                    &name,
                    c.metric.as_str(),
                    &num(c.difference.estimate),
                    &num(c.difference.low),
                    &num(c.difference.high),
                    "paired bootstrap",
                    "",
                    "",
                    "",
                ])?;
                for test in &c.tests {
                    let statistic = match &test.kind {
                        TestKind::McNemar {
                            hsic_only,
                            other_only,
                        } => format!("{hsic_only}/{other_only}"),
                        TestKind::Permutation { difference, .. } => num(*difference),
                    };
                    let holm = if test.metric == c.metric {
                        holm_of(c.against)
                    } else {
                        String::new()
                    };
                    w.write_record([
                        "pair",
                        p.pair.as_str(),
                        t.task.as_str(),
                        &name,
                        test.metric.as_str(),
                        "",
                        "",
                        "",
                        test.kind.name(),
                        &statistic,
                        &num(test.p_value),
                        &holm,
                    ])?;
                }
            }
            if let Some(o) = &s.cross_fitted_oracle {
                w.write_record([
                    "pair",
                    p.pair.as_str(),
                    t.task.as_str(),
                    "cross-fitted-oracle",
                    t.metric.as_str(),
                    &num(o.score),
                    "",
                    "",
                    &format!("chosen {} / {}", o.chosen_on_first, o.chosen_on_second),
                    "",
                    "",
                    "",
                ])?;
            }
        }
    }
    if let Some(a) = &r.across {
        for c in &a.comparisons {
            let name = format!("hsic-{}", c.against.to_string().to_lowercase());
            let units = format!("{} units", c.units.len());
            w.write_record([
                "across",
                units.as_str(),
                c.task.as_str(),
                &name,
                c.metric.as_str(),
                &num(c.mean.estimate),
                &num(c.mean.low),
                &num(c.mean.high),
                "sign test",
                &format!("{}/{}/{}", c.sign.positive, c.sign.ties, c.sign.negative),
                &num(c.sign.p_value),
                &num(c.sign_holm),
            ])?;
            if let (Some(wx), Some(h)) = (&c.wilcoxon, c.wilcoxon_holm) {
                w.write_record([
                    "across",
                    units.as_str(),
                    c.task.as_str(),
                    &name,
                    c.metric.as_str(),
                    "",
                    "",
                    "",
                    &format!("Wilcoxon signed-rank ({})", wx.method),
                    &num(wx.statistic),
                    &num(wx.p_value),
                    &num(h),
                ])?;
            }
        }
    }
    Ok(w.into_inner()?)
}

/// `rankings.csv`: one row per pair and candidate.
pub fn rankings_csv(r: &Results) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "pair",
        "rank",
        "candidate",
        "hsic_score",
        "hsic_chosen",
        "flores_similarity_chosen",
    ])?;
    for p in &r.pairs {
        let Some(b) = &p.bridge else { continue };
        for (i, (c, score)) in b.ranking.iter().enumerate() {
            w.write_record([
                p.pair.as_str(),
                &(i + 1).to_string(),
                c.as_str(),
                &score.map_or(String::new(), |s| format!("{s:.6}")),
                &(b.chosen.as_deref() == Some(c.as_str())).to_string(),
                &(p.flores_choice.as_deref() == Some(c.as_str())).to_string(),
            ])?;
        }
    }
    Ok(w.into_inner()?)
}
