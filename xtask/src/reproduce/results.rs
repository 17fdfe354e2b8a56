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
    /// One task's result from its runs (one per route): the metric, item count and every
    /// route's metrics are read from the runs.
    pub fn from_runs(
        task: String,
        key: String,
        runs: &[xicl_eval::RunSummary],
        rows: Vec<BaselineRow>,
        statistics: TaskStatistics,
    ) -> Self {
        let metric = runs.first().map_or("accuracy", |r| match r.metrics {
            xicl_eval::TaskMetrics::Accuracy { .. } => "accuracy",
            xicl_eval::TaskMetrics::Translation { .. } => "chrf++",
        });
        let all_metrics = runs
            .iter()
            .flat_map(|r| {
                let route = r.route.to_string();
                r.metrics
                    .named()
                    .into_iter()
                    .map(move |(n, v)| (route.clone(), n.to_string(), v))
            })
            .collect();
        TaskResult {
            task,
            key,
            metric: metric.to_string(),
            items: runs.first().map_or(0, |r| r.items),
            rows,
            all_metrics,
            statistics: Some(statistics),
        }
    }

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

/// `statistics.csv`'s columns: [`StatisticsRow`]'s fields, in order (written even when no line
/// follows).
const STATISTICS_COLUMNS: [&str; 12] = [
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
];

/// One line of `statistics.csv`; empty where a column does not apply to the line.
#[derive(Default, Clone, Serialize)]
struct StatisticsRow<'a> {
    scope: &'a str,
    pair: &'a str,
    task: &'a str,
    comparison: &'a str,
    metric: &'a str,
    estimate: String,
    low: String,
    high: String,
    test: String,
    statistic: String,
    p_value: String,
    p_holm: String,
}

impl<'a> StatisticsRow<'a> {
    /// A line of one pair's task, the other columns empty.
    fn of_pair(pair: &'a str, task: &'a str, comparison: &'a str, metric: &'a str) -> Self {
        StatisticsRow {
            scope: "pair",
            pair,
            task,
            comparison,
            metric,
            ..Default::default()
        }
    }
}

/// `statistics.csv`: per pair and task, each comparison's difference, interval and tests and the
/// cross-fitted oracle; across pairs, each comparison's mean, interval, sign and Wilcoxon tests.
pub fn statistics_csv(r: &Results) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(STATISTICS_COLUMNS)?;
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
                w.serialize(StatisticsRow {
                    estimate: num(c.difference.estimate),
                    low: num(c.difference.low),
                    high: num(c.difference.high),
                    test: "paired bootstrap".into(),
                    ..StatisticsRow::of_pair(&p.pair, &t.task, &name, &c.metric)
                })?;
                for test in &c.tests {
                    let statistic = match &test.kind {
                        TestKind::McNemar {
                            hsic_only,
                            other_only,
                        } => format!("{hsic_only}/{other_only}"),
                        TestKind::Permutation { difference, .. } => num(*difference),
                    };
                    let p_holm = if test.metric == c.metric {
                        holm_of(c.against)
                    } else {
                        String::new()
                    };
                    w.serialize(StatisticsRow {
                        test: test.kind.name().to_string(),
                        statistic,
                        p_value: num(test.p_value),
                        p_holm,
                        ..StatisticsRow::of_pair(&p.pair, &t.task, &name, &test.metric)
                    })?;
                }
            }
            if let Some(o) = &s.cross_fitted_oracle {
                w.serialize(StatisticsRow {
                    estimate: num(o.score),
                    test: format!("chosen {} / {}", o.chosen_on_first, o.chosen_on_second),
                    ..StatisticsRow::of_pair(&p.pair, &t.task, "cross-fitted-oracle", &t.metric)
                })?;
            }
        }
    }
    if let Some(a) = &r.across {
        for c in &a.comparisons {
            let name = format!("hsic-{}", c.against.to_string().to_lowercase());
            let units = format!("{} units", c.units.len());
            let line = StatisticsRow {
                scope: "across",
                pair: &units,
                task: &c.task,
                comparison: &name,
                metric: &c.metric,
                ..Default::default()
            };
            w.serialize(StatisticsRow {
                estimate: num(c.mean.estimate),
                low: num(c.mean.low),
                high: num(c.mean.high),
                test: "sign test".into(),
                statistic: format!("{}/{}/{}", c.sign.positive, c.sign.ties, c.sign.negative),
                p_value: num(c.sign.p_value),
                p_holm: num(c.sign_holm),
                ..line.clone()
            })?;
            if let (Some(wx), Some(h)) = (&c.wilcoxon, c.wilcoxon_holm) {
                w.serialize(StatisticsRow {
                    test: format!("Wilcoxon signed-rank ({})", wx.method),
                    statistic: num(wx.statistic),
                    p_value: num(wx.p_value),
                    p_holm: num(h),
                    ..line
                })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_header_names_the_row_fields_in_order() {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(StatisticsRow::default()).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(STATISTICS_COLUMNS.join(",").as_str())
        );
    }
}
