//! `cargo xtask rules`: which bridge-scoring rule gives the most stable choices (issue 12).
//!
//! For every pair of the study, the statistics and the probe are computed (or loaded from the
//! artifact cache) once; then each rule ranks the candidates and a bootstrap of the probe
//! samples says how often its choice wins. A rule whose choices keep winning under resampling
//! is one whose answer does not hang on which words happened to be drawn. The generic-neuron
//! rules are also compared on the similarity of the languages' sets.
//!
//! The output is a Markdown table and a JSON document (`rules.md`, `rules.json`), written
//! atomically; nothing here is timed in a test.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use hsic::{EqualSizes, LayerAggregation, SigmaRule};
use muse_dict::Split;
use neuron_probe::{
    BridgeParams, ConfidenceParams, GenericNeurons, Inputs, LanguageStats, NeuronModel,
    PipelineParams, RunContext, Verdict, bridge_confidence, probe_pair, rank_bridges,
    resolve_candidates, stats_for_languages,
};
use overlap::{LanguageSets, SimilarityMatrices};
use serde::Serialize;

/// One scoring rule under comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// Short name used in tables.
    pub name: String,
    /// What it changes, in words.
    pub what: String,
    pub params: BridgeParams,
}

/// The rules compared: the reference code's, today's default, each size-fair change alone,
/// the size-fair changes together, and the generic-neuron rule with and without them.
pub fn rules(base: &BridgeParams) -> Vec<Rule> {
    let with = |name: &str, what: &str, f: &dyn Fn(&mut BridgeParams)| {
        let mut params = base.clone();
        f(&mut params);
        Rule {
            name: name.to_string(),
            what: what.to_string(),
            params,
        }
    };
    let equal = Some(EqualSizes { draws: 5, seed: 0 });
    vec![
        with(
            "reference",
            "the reference code: pooled σ, a missing layer counts 0, collapsed layers kept",
            &|p| p.hsic = p.hsic.reference_rule(),
        ),
        with(
            "skip-missing",
            "pooled σ, each candidate averaged over its own scored layers (before this study)",
            &|_| {},
        ),
        with("sigma-overlap", "σ from the overlap rows alone", &|p| {
            p.hsic.sigma = SigmaRule::Overlap
        }),
        with(
            "common-layers",
            "only the layers every candidate has",
            &|p| p.hsic.aggregation = LayerAggregation::Common,
        ),
        with(
            "min-size-3",
            "no layer score where the overlap or bridge set has fewer than 3 neurons",
            &|p| p.hsic.min_set_size = 3,
        ),
        with(
            "equal-sizes",
            "bridge sets subsampled to the smallest of the layer (5 seeded draws)",
            &|p| p.hsic.equal_sizes = equal,
        ),
        with(
            "size-fair",
            "σ from the overlap, common layers and equal sizes together",
            &|p| {
                p.hsic.sigma = SigmaRule::Overlap;
                p.hsic.aggregation = LayerAggregation::Common;
                p.hsic.equal_sizes = equal;
            },
        ),
        with(
            "generic-out",
            "neurons in every language's set left out, then skip-missing",
            &|p| p.generic = GenericNeurons::InEverySet,
        ),
        with(
            "generic-out+size-fair",
            "neurons in every language's set left out, then size-fair",
            &|p| {
                p.generic = GenericNeurons::InEverySet;
                p.hsic.sigma = SigmaRule::Overlap;
                p.hsic.aggregation = LayerAggregation::Common;
                p.hsic.equal_sizes = equal;
            },
        ),
    ]
}

/// One rule on one pair.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub pair: String,
    pub rule: String,
    pub chosen: Option<String>,
    /// Share of the bootstrap replicates the chosen bridge won.
    pub win_rate: f64,
    /// The bootstrap's verdict in words ("clear", "uncertain: de fr").
    pub verdict: String,
    pub clear: bool,
    /// Layers that entered the chosen bridge's score, and `|B_k|` over all layers.
    pub layers_used: usize,
    pub bridge_neurons: usize,
    /// Neurons left out as generic (generic-neuron rules).
    pub generic_excluded: usize,
    /// Wall time of the ranking plus its bootstrap.
    pub seconds: f64,
}

/// Per rule, over all pairs.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSummary {
    pub rule: String,
    pub what: String,
    pub pairs: usize,
    pub mean_win_rate: f64,
    pub min_win_rate: f64,
    pub clear: usize,
    /// Pairs whose choice equals the reference code's.
    pub same_as_reference: usize,
    pub mean_seconds: f64,
    /// The most stable rule's win rate minus this one's, paired by pair (`None` for the most
    /// stable rule itself).
    pub behind_most_stable: Option<PairedDifference>,
}

/// A paired difference of win rates over the pairs: its mean, a 95% bootstrap interval of the
/// mean (the pairs resampled with replacement), and in how many pairs each side was ahead.
/// An interval that contains 0 means the study cannot tell the two rules apart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedDifference {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    /// Pairs where the most stable rule's win rate was higher / lower.
    pub ahead: usize,
    pub behind: usize,
}

/// Resamples of the pairs behind [`PairedDifference`]'s interval.
const PAIR_RESAMPLES: usize = 10_000;

/// The mean of `diffs` with a seeded 95% percentile-bootstrap interval of that mean (the
/// study's one bootstrap, [`xicl_eval::significance::paired_bootstrap_mean`]).
pub fn paired_difference(diffs: &[f64], seed: u64) -> Option<PairedDifference> {
    let i = xicl_eval::significance::paired_bootstrap_mean(diffs, PAIR_RESAMPLES, seed).ok()?;
    Some(PairedDifference {
        mean: i.estimate,
        low: i.low,
        high: i.high,
        ahead: diffs.iter().filter(|&&d| d > 0.0).count(),
        behind: diffs.iter().filter(|&&d| d < 0.0).count(),
    })
}

/// Fill in every summary's [`RuleSummary::behind_most_stable`].
fn compare_with_most_stable(
    summaries: &mut [RuleSummary],
    outcomes: &[Outcome],
    best: &str,
    seed: u64,
) {
    let win = |rule: &str, pair: &str| {
        outcomes
            .iter()
            .find(|o| o.rule == rule && o.pair == pair)
            .map(|o| o.win_rate)
    };
    for s in summaries.iter_mut().filter(|s| s.rule != best) {
        let diffs: Vec<f64> = outcomes
            .iter()
            .filter(|o| o.rule == s.rule)
            .filter_map(|o| Some(win(best, &o.pair)? - o.win_rate))
            .collect();
        s.behind_most_stable = paired_difference(&diffs, seed);
    }
}

/// How the generic-neuron rules change the similarity of the languages' sets.
#[derive(Debug, Clone, Serialize)]
pub struct GenericSummary {
    pub rule: GenericNeurons,
    pub excluded: usize,
    pub mean_set_size: f64,
    /// Off-diagonal ranges, (min, max).
    pub overlap_share: (f64, f64),
    pub cosine_shared: (f64, f64),
    pub jaccard: (f64, f64),
    pub cosine_all: (f64, f64),
    /// Per language, its nearest other language by Jaccard.
    pub nearest_by_jaccard: Vec<(String, String)>,
}

/// Everything the command measured.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub format: String,
    pub model: String,
    pub settings: PipelineParams,
    pub confidence: ConfidenceParams,
    pub rules: Vec<Rule>,
    pub outcomes: Vec<Outcome>,
    pub summaries: Vec<RuleSummary>,
    pub languages: Vec<String>,
    pub generic: Vec<GenericSummary>,
    /// The rule with the highest mean win rate (ties: more clear verdicts, then list order).
    pub most_stable: Option<String>,
}

/// Run every rule on every pair (`(source, target)` codes) with `candidates` (empty = each
/// pair's default candidates).
#[allow(clippy::too_many_arguments)]
pub fn compare<M: NeuronModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    ctx: &RunContext,
    pairs: &[(String, String)],
    candidates: &[&str],
    params: &PipelineParams,
    conf: &ConfidenceParams,
    generic_rules: &[GenericNeurons],
) -> anyhow::Result<Comparison> {
    let rules = rules(&params.bridge);
    let identity = model.identity();
    let mut outcomes = Vec::new();
    let mut all_languages: Vec<&'static str> = Vec::new();
    for (n, (source, target)) in pairs.iter().enumerate() {
        let label = format!("{source}-{target}");
        eprintln!("[rules] pair {}/{}: {label}", n + 1, pairs.len());
        let candidates = resolve_candidates(source, target, candidates)?;
        let mut languages: Vec<&str> = vec![source.as_str(), target.as_str()];
        languages.extend(candidates.iter().copied());
        for l in &languages {
            let code = langs::get(l)?.code;
            if !all_languages.contains(&code) {
                all_languages.push(code);
            }
        }
        let stats =
            stats_for_languages(model, inputs, &languages, &params.text, &params.stats, ctx)?.value;
        let probe = probe_pair(
            model,
            inputs,
            source,
            target,
            Split::Train,
            &params.probe,
            ctx,
        )?
        .value;
        for rule in &rules {
            let started = Instant::now();
            let report = rank_bridges(&stats, &probe, &candidates, &rule.params, &identity)?;
            let chosen = report.chosen.clone();
            let confidence = bridge_confidence(
                &stats,
                &probe,
                &candidates,
                &rule.params,
                &identity,
                chosen.as_deref(),
                conf,
            )?;
            let win_rate = chosen
                .as_deref()
                .and_then(|c| confidence.candidates.iter().find(|x| x.language == c))
                .map_or(0.0, |c| c.win_rate);
            let (verdict, clear) = match &confidence.verdict {
                Verdict::Clear { .. } => ("clear".to_string(), true),
                Verdict::Uncertain { between } => {
                    (format!("uncertain: {}", between.join(" ")), false)
                }
                Verdict::NoBridge => ("no bridge".to_string(), false),
            };
            let chosen_report = chosen
                .as_deref()
                .and_then(|c| report.candidates.iter().find(|x| x.language == c));
            outcomes.push(Outcome {
                pair: label.clone(),
                rule: rule.name.clone(),
                chosen,
                win_rate,
                verdict,
                clear,
                layers_used: chosen_report.map_or(0, |c| c.layers_used),
                bridge_neurons: chosen_report.map_or(0, |c| c.bridge_neurons),
                generic_excluded: report.overlap.generic_excluded,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
    }
    let mut summaries = summarise(&rules, &outcomes);
    let most_stable = most_stable(&summaries);
    if let Some(best) = &most_stable {
        compare_with_most_stable(&mut summaries, &outcomes, best, conf.seed);
    }

    // The generic-neuron rules over every language of the study.
    let stats = stats_for_languages(
        model,
        inputs,
        &all_languages,
        &params.text,
        &params.stats,
        ctx,
    )?
    .value;
    let mut generic = Vec::new();
    for &rule in generic_rules {
        let sets = neuron_probe::language_sets(&stats, &params.bridge.sets, rule)?;
        let m = neuron_probe::similarity(&stats, &sets, &[])?;
        generic.push(generic_summary(rule, &sets, &m, &stats));
    }
    Ok(Comparison {
        format: "bridgex-rules/1".into(),
        model: format!("{} ({})", identity.name, &identity.digest[..12]),
        settings: params.clone(),
        confidence: *conf,
        rules,
        outcomes,
        summaries,
        languages: all_languages.iter().map(|s| s.to_string()).collect(),
        generic,
        most_stable,
    })
}

fn summarise(rules: &[Rule], outcomes: &[Outcome]) -> Vec<RuleSummary> {
    rules
        .iter()
        .map(|rule| {
            let mine: Vec<&Outcome> = outcomes.iter().filter(|o| o.rule == rule.name).collect();
            let n = mine.len();
            let reference = |pair: &str| {
                outcomes
                    .iter()
                    .find(|o| o.rule == "reference" && o.pair == pair)
                    .and_then(|o| o.chosen.clone())
            };
            RuleSummary {
                rule: rule.name.clone(),
                what: rule.what.clone(),
                pairs: n,
                mean_win_rate: mine.iter().map(|o| o.win_rate).sum::<f64>() / n.max(1) as f64,
                min_win_rate: mine.iter().map(|o| o.win_rate).fold(1.0, f64::min),
                clear: mine.iter().filter(|o| o.clear).count(),
                same_as_reference: mine
                    .iter()
                    .filter(|o| o.chosen.is_some() && o.chosen == reference(&o.pair))
                    .count(),
                mean_seconds: mine.iter().map(|o| o.seconds).sum::<f64>() / n.max(1) as f64,
                behind_most_stable: None,
            }
        })
        .collect()
}

fn most_stable(summaries: &[RuleSummary]) -> Option<String> {
    let mut best: Option<&RuleSummary> = None;
    for s in summaries {
        let better = match best {
            None => true,
            Some(b) => {
                s.mean_win_rate > b.mean_win_rate
                    || (s.mean_win_rate == b.mean_win_rate && s.clear > b.clear)
            }
        };
        if better {
            best = Some(s);
        }
    }
    best.map(|s| s.rule.clone())
}

fn off_diagonal_range(k: usize, cell: impl Fn(usize, usize) -> f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..k {
        for j in (0..k).filter(|&j| j != i) {
            lo = lo.min(cell(i, j));
            hi = hi.max(cell(i, j));
        }
    }
    (lo, hi)
}

fn generic_summary(
    rule: GenericNeurons,
    sets: &LanguageSets,
    m: &SimilarityMatrices,
    stats: &[LanguageStats],
) -> GenericSummary {
    let k = m.languages.len();
    let sizes: Vec<usize> = (0..k).map(|i| m.overlap[i][i]).collect();
    let nearest = (0..k)
        .map(|i| {
            let j = (0..k)
                .filter(|&j| j != i)
                .max_by(|&a, &b| m.jaccard[i][a].total_cmp(&m.jaccard[i][b]))
                .unwrap_or(i);
            (m.languages[i].clone(), m.languages[j].clone())
        })
        .collect();
    debug_assert_eq!(stats.len(), k);
    GenericSummary {
        rule,
        excluded: sets.excluded,
        mean_set_size: sizes.iter().sum::<usize>() as f64 / k.max(1) as f64,
        // |T_i ∩ T_j| / |T_i|: how much of a set the other language shares.
        overlap_share: off_diagonal_range(k, |i, j| {
            m.overlap[i][j] as f64 / sizes[i].max(1) as f64
        }),
        cosine_shared: off_diagonal_range(k, |i, j| m.cosine[i][j]),
        jaccard: off_diagonal_range(k, |i, j| m.jaccard[i][j]),
        cosine_all: off_diagonal_range(k, |i, j| m.cosine_all[i][j]),
        nearest_by_jaccard: nearest,
    }
}

/// The comparison as Markdown: the summary per rule, the choice of every pair under every rule,
/// and the generic-neuron rules on the similarity of the sets.
pub fn render_markdown(c: &Comparison) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Bridge-scoring rules compared\n");
    let _ = writeln!(
        o,
        "Model {}; {} pairs; {} bootstrap replicates of the probe samples (seed {}), a choice \
         \"clear\" at a win rate ≥ {}. Made by `cargo xtask rules`.\n",
        c.model,
        c.summaries.first().map_or(0, |s| s.pairs),
        c.confidence.replicates,
        c.confidence.seed,
        c.confidence.clear_at
    );
    let _ = writeln!(o, "## Stability of each rule\n");
    let _ = writeln!(
        o,
        "| rule | what it changes | mean win rate of the choice | lowest | clear | same choice as the reference code | behind the most stable (95% interval; pairs ahead/behind) | s per pair |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|");
    for s in &c.summaries {
        let _ = writeln!(
            o,
            "| {}{} | {} | {:.3} | {:.3} | {}/{} | {}/{} | {} | {:.1} |",
            s.rule,
            if c.most_stable.as_deref() == Some(s.rule.as_str()) {
                " **(most stable)**"
            } else {
                ""
            },
            s.what,
            s.mean_win_rate,
            s.min_win_rate,
            s.clear,
            s.pairs,
            s.same_as_reference,
            s.pairs,
            s.behind_most_stable.map_or("—".to_string(), |d| format!(
                "{:+.3} [{:+.3}, {:+.3}]; {}/{}",
                d.mean, d.low, d.high, d.ahead, d.behind
            )),
            s.mean_seconds
        );
    }
    let apart: Vec<&str> = c
        .summaries
        .iter()
        .filter(|s| s.behind_most_stable.is_some_and(|d| d.low > 0.0))
        .map(|s| s.rule.as_str())
        .collect();
    let _ = writeln!(
        o,
        "\n\"Behind the most stable\" is the most stable rule's win rate minus this rule's, \
         paired by pair, with a 95% bootstrap interval over the pairs ({PAIR_RESAMPLES} \
         resamples). An interval containing 0: the study cannot tell the two rules apart. \
         Clearly less stable: {}.",
        if apart.is_empty() {
            "none".to_string()
        } else {
            apart.join(", ")
        }
    );
    let _ = writeln!(o, "\n## The choice of every pair (win rate)\n");
    let mut header = String::from("| pair |");
    let mut rule_line = String::from("|---|");
    for r in &c.rules {
        let _ = write!(header, " {} |", r.name);
        rule_line.push_str("---|");
    }
    let _ = writeln!(o, "{header}\n{rule_line}");
    let mut pairs: Vec<&str> = Vec::new();
    for x in &c.outcomes {
        if !pairs.contains(&x.pair.as_str()) {
            pairs.push(&x.pair);
        }
    }
    for p in pairs {
        let mut line = format!("| {p} |");
        for r in &c.rules {
            let cell = c
                .outcomes
                .iter()
                .find(|x| x.pair == p && x.rule == r.name)
                .map_or("–".to_string(), |x| {
                    format!(
                        "{} {:.2}{}",
                        x.chosen.as_deref().unwrap_or("none"),
                        x.win_rate,
                        if x.clear { "" } else { "?" }
                    )
                });
            let _ = write!(line, " {cell} |");
        }
        let _ = writeln!(o, "{line}");
    }
    let _ = writeln!(
        o,
        "\n`?` marks an uncertain verdict (the choice won fewer than {} of the replicates).",
        c.confidence.clear_at
    );
    if !c.generic.is_empty() {
        let _ = writeln!(
            o,
            "\n## Generic neurons and the similarity of the {} languages\n",
            c.languages.len()
        );
        let _ = writeln!(
            o,
            "Ranges are over the off-diagonal pairs; \"shared\" is |T_i ∩ T_j| / |T_i|.\n"
        );
        let _ = writeln!(
            o,
            "| generic neurons | left out | mean set size | shared | cosine on shared neurons | Jaccard | cosine over all neurons |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|");
        for g in &c.generic {
            let _ = writeln!(
                o,
                "| {} | {} | {:.0} | {:.3}–{:.3} | {:.8}–{:.8} | {:.3}–{:.3} | {:.4}–{:.4} |",
                g.rule.describe(),
                g.excluded,
                g.mean_set_size,
                g.overlap_share.0,
                g.overlap_share.1,
                g.cosine_shared.0,
                g.cosine_shared.1,
                g.jaccard.0,
                g.jaccard.1,
                g.cosine_all.0,
                g.cosine_all.1
            );
        }
        let _ = writeln!(o, "\nNearest language by Jaccard:\n");
        let _ = write!(o, "| language |");
        for g in &c.generic {
            let _ = write!(o, " {} |", g.rule.describe());
        }
        let _ = writeln!(o);
        let _ = writeln!(o, "|---|{}", "---|".repeat(c.generic.len()));
        for (i, l) in c.languages.iter().enumerate() {
            let _ = write!(o, "| {l} |");
            for g in &c.generic {
                let _ = write!(
                    o,
                    " {} |",
                    g.nearest_by_jaccard.get(i).map_or("–", |x| x.1.as_str())
                );
            }
            let _ = writeln!(o);
        }
    }
    o
}

/// Write `rules.json` and `rules.md` into `dir` (atomically); returns their paths.
pub fn write_outputs(c: &Comparison, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let json = dir.join("rules.json");
    fetch::write_atomic(&json, serde_json::to_string_pretty(c)?.as_bytes())?;
    let md = dir.join("rules.md");
    fetch::write_atomic(&md, render_markdown(c).as_bytes())?;
    Ok(vec![json, md])
}
