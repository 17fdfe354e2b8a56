//! `REPORT.md`: the study's findings as Markdown, rendered from [`Results`] alone (no number
//! is computed here that `results.json` does not hold, except the win/loss tallies).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use xicl_eval::Baseline;
use xicl_eval::significance::Interval;

use super::across::{ALPHA, AcrossComparison, AcrossPairs};
use super::paired::{Against, Comparison, TestKind};
use super::results::{ChoiceConfidence, PairResult, Results, TaskResult};

/// A score as the report prints it (accuracy in percent and chrF++ are both 0–100).
fn show(_metric: &str, v: f64) -> String {
    format!("{v:.1}")
}

fn unit(metric: &str) -> &'static str {
    if metric == "accuracy" {
        "accuracy, %"
    } else {
        "chrF++"
    }
}

fn with_bridge(t: &TaskResult, b: &Baseline) -> String {
    match (t.score(b), t.bridge_of(b)) {
        (Some(s), Some(c)) => format!("{} ({c})", show(&t.metric, s)),
        (Some(s), None) => show(&t.metric, s),
        (None, _) => "–".into(),
    }
}

fn delta(t: &TaskResult, a: &Baseline, b: &Baseline) -> Option<f64> {
    Some(t.score(a)? - t.score(b)?)
}

fn show_delta(metric: &str, d: Option<f64>) -> String {
    match d {
        Some(d) => {
            let s = show(metric, d.abs());
            if s.trim_start_matches(['0', '.']).is_empty() {
                "0.0".into()
            } else if d > 0.0 {
                format!("+{s}")
            } else {
                format!("−{s}")
            }
        }
        None => "–".into(),
    }
}

/// Wins / ties / losses of `a` against `b` over pairs, and the mean difference.
struct Tally {
    wins: usize,
    ties: usize,
    losses: usize,
    sum: f64,
}

impl Tally {
    fn of<'a>(tasks: impl Iterator<Item = &'a TaskResult>, a: &Baseline, b: &Baseline) -> Self {
        let mut t = Tally {
            wins: 0,
            ties: 0,
            losses: 0,
            sum: 0.0,
        };
        for task in tasks {
            let Some(d) = delta(task, a, b) else { continue };
            t.sum += d;
            // Scores come from the same items; a difference below rounding is a tie.
            if d.abs() < 1e-9 {
                t.ties += 1;
            } else if d > 0.0 {
                t.wins += 1;
            } else {
                t.losses += 1;
            }
        }
        t
    }

    fn n(&self) -> usize {
        self.wins + self.ties + self.losses
    }

    fn line(&self, metric: &str) -> String {
        if self.n() == 0 {
            return "no pair".into();
        }
        format!(
            "{} wins, {} ties, {} losses over {} pairs (mean difference {})",
            self.wins,
            self.ties,
            self.losses,
            self.n(),
            show_delta(metric, Some(self.sum / self.n() as f64))
        )
    }
}

/// Tasks in report order with the pairs that have them.
fn tasks_by_name(r: &Results) -> Vec<(String, Vec<(&PairResult, &TaskResult)>)> {
    let mut out: Vec<(String, Vec<(&PairResult, &TaskResult)>)> = Vec::new();
    for name in &r.settings.tasks {
        let rows: Vec<(&PairResult, &TaskResult)> = r
            .pairs
            .iter()
            .flat_map(|p| {
                p.tasks
                    .iter()
                    .filter(|t| &t.task == name)
                    .map(move |t| (p, t))
            })
            .collect();
        out.push((name.clone(), rows));
    }
    out
}

pub fn render(r: &Results) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# BridgeX-ICL reproduction on {}\n", r.model.name);
    let done = r.pairs.iter().filter(|p| p.bridge.is_some()).count();
    let _ = writeln!(
        o,
        "Made by `{}` on `{}` in {:.0} min (this invocation; stages found cached were not recomputed). {}\n",
        r.settings.command,
        r.settings.device,
        r.seconds / 60.0,
        if r.complete {
            format!("All {} pairs finished.", r.pairs.len())
        } else {
            format!(
                "**Partial report**: {done} of {} pairs have a bridge ranking; the rest are pending (run the same command again to resume).",
                r.pairs.len()
            )
        }
    );
    let _ = writeln!(
        o,
        "> Caveat: {} ({} layers × {} neurons, {}) stands in for the paper's 7–8B models \
         (Llama-3-8B, Mistral-7B). A 270M model translates words and sentences poorly, so \
         absolute scores are low and differences between bridges are small; read the tables as \
         a test of the pipeline and of the method's claims at this scale, not as the paper's numbers.\n",
        r.model.name, r.model.layers, r.model.neurons, r.model.precision
    );

    // Older documents lack the across-pair statistics; they are a function of the pairs.
    let computed;
    let across = match &r.across {
        Some(a) => Some(a),
        None => {
            computed = super::across::summarise(&r.settings.tasks, &r.pairs).ok();
            computed.as_ref()
        }
    };
    settings(&mut o, r);
    findings(&mut o, r, across);
    rankings(&mut o, r);
    task_tables(&mut o, r);
    paired_statistics(&mut o, r, across);
    across_pairs(&mut o, across);
    figures(&mut o, r);
    skipped(&mut o, r);
    let _ = writeln!(
        o,
        "## Files\n\n- `results.json`: everything above, machine-readable.\n- `scores.csv`: one row per pair, task, baseline or route, and metric (MT: BLEU, chrF and chrF++).\n- `statistics.csv`: every interval and test of the two statistics sections, per pair and across pairs.\n- `rankings.csv`: the HSIC ranking of every pair.\n- `pairs/<pair>/`: the `bridge` command's JSON, table and per-layer plot for the pair.\n- `similarity/`: overlap and cosine matrices (TSV, JSON) and heat maps.\n- `runs/`: every model output per item (JSON Lines), written by the run and not committed (it holds FLORES, XCOPA and SIB-200 text)."
    );
    o
}

fn settings(o: &mut String, r: &Results) {
    let s = &r.settings;
    let _ = writeln!(o, "## Settings\n");
    let _ = writeln!(o, "| setting | value |\n|---|---|");
    let _ = writeln!(
        o,
        "| model | {} (`{}`, sha256 {}…) |",
        r.model.name,
        r.model.architecture,
        r.model.digest.get(..12).unwrap_or(&r.model.digest)
    );
    let _ = writeln!(o, "| tasks | {} |", s.tasks.join(", "));
    let _ = writeln!(
        o,
        "| items per task and route | {} |",
        s.limit
            .map_or("all (Belebele: first 500)".to_string(), |n| {
                if s.limit_spread {
                    format!("{n}, spread evenly over each task's items")
                } else {
                    format!("first {n}")
                }
            })
    );
    let _ = writeln!(
        o,
        "| FLORES sentences per language (statistics) | {} |",
        s.stats_sentences
            .map_or("all 1012 (devtest)".to_string(), |n| n.to_string())
    );
    let _ = writeln!(o, "| probe words | {} |", s.probe_size);
    let _ = writeln!(
        o,
        "| understanding filter | {} |",
        s.filter_max_words
            .map_or("judges the whole train split".to_string(), |n| format!(
                "judges at most {n} words"
            ))
    );
    let _ = writeln!(
        o,
        "| σ-collapsed layers | {} |",
        if s.keep_collapsed_layers {
            "counted (reference code)"
        } else {
            "left out of the bridge score (BridgeX default)"
        }
    );
    let _ = writeln!(
        o,
        "| answers of XCOPA, SIB-200, Belebele | {} |",
        match s.scoring {
            xicl_eval::AnswerScoring::Generate =>
                "generated greedily and parsed (docs/METHOD.md §6)",
            xicl_eval::AnswerScoring::Loglik => {
                "the most likely option after the prompt (log-likelihood, as lm-eval-harness)"
            }
        }
    );
    let _ = writeln!(
        o,
        "| other parameters | docs/METHOD.md defaults: top rate 0.01, reference HSIC score, window layers {}, candidates en de fr it pt es minus the pair, greedy decoding |\n",
        r.pairs
            .iter()
            .find_map(|p| p.bridge.as_ref().map(|_| ()))
            .and_then(|_| neuron_probe::LayerWindow::default_for(r.model.layers).ok())
            .map_or("scaled to depth".to_string(), |w| {
                format!("{}..={}", w.first, w.last)
            })
    );
}

fn findings(o: &mut String, r: &Results, across: Option<&AcrossPairs>) {
    let _ = writeln!(o, "## Findings\n");
    let ranked: Vec<&PairResult> = r.pairs.iter().filter(|p| p.bridge.is_some()).collect();
    if ranked.is_empty() {
        let _ = writeln!(o, "No pair has a bridge ranking yet.\n");
        return;
    }
    let mut chosen: BTreeMap<String, usize> = BTreeMap::new();
    for p in &ranked {
        if let Some(c) = p.bridge.as_ref().and_then(|b| b.chosen.clone()) {
            *chosen.entry(c).or_default() += 1;
        }
    }
    let mut by_count: Vec<(String, usize)> = chosen.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let english = by_count.iter().find(|(c, _)| c == "en").map_or(0, |x| x.1);
    let english_possible = ranked
        .iter()
        .filter(|p| p.source != "en" && p.target != "en")
        .count();
    let _ = writeln!(
        o,
        "- **Chosen bridges**: {} over {} pairs. English was chosen in {english} of the {english_possible} pairs where it could be.",
        by_count
            .iter()
            .map(|(c, n)| format!("{c} ×{n}"))
            .collect::<Vec<_>>()
            .join(", "),
        ranked.len()
    );
    let agree = ranked
        .iter()
        .filter(|p| {
            p.flores_choice.is_some()
                && p.flores_choice == p.bridge.as_ref().and_then(|b| b.chosen.clone())
        })
        .count();
    let _ = writeln!(
        o,
        "- **HSIC vs FLORES similarity**: the two choices agree in {agree} of {} pairs.",
        ranked.len()
    );
    let fell_back = ranked
        .iter()
        .filter(|p| p.bridge.as_ref().is_some_and(|b| b.filter_fell_back))
        .count();
    if fell_back > 0 {
        let _ = writeln!(
            o,
            "- **Probe filter**: in {fell_back} of {} pairs fewer than the minimum of words were translated correctly, so the probe used unfiltered words (the model is too weak for the \"totally understand\" filter).",
            ranked.len()
        );
    }
    if let Some(sim) = &r.similarity {
        let same = sim
            .nearest
            .iter()
            .filter(|n| n.nearest_family.as_deref() == Some(n.family.as_str()))
            .count();
        let _ = writeln!(
            o,
            "- **Similarity vs genealogy**: for {same} of {} languages the nearest language by neuron overlap is of the same family ({}).",
            sim.nearest.len(),
            sim.nearest
                .iter()
                .filter_map(|n| n.nearest.as_ref().map(|m| format!("{}→{m}", n.language)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for (name, rows) in tasks_by_name(r) {
        if rows.is_empty() {
            continue;
        }
        let metric = rows[0].1.metric.clone();
        let tasks = || rows.iter().map(|(_, t)| *t);
        let vs_direct = Tally::of(tasks(), &Baseline::HsicChosen, &Baseline::Direct);
        let vs_random = Tally::of(tasks(), &Baseline::HsicChosen, &Baseline::RandomBridge);
        let oracle_gap: Vec<f64> = tasks()
            .filter_map(|t| delta(t, &Baseline::Oracle, &Baseline::HsicChosen))
            .collect();
        let at_oracle = oracle_gap.iter().filter(|d| d.abs() < 1e-9).count();
        let best_direct = Tally::of(tasks(), &Baseline::Oracle, &Baseline::Direct);
        if tasks().all(|t| t.rows.iter().all(|r| r.score == 0.0)) {
            let _ = writeln!(
                o,
                "- **{name}**: every route of every pair scored 0, so the task says nothing about bridges here: the model's answers did not parse as an answer of the task (read `runs/<pair>/eval/*.jsonl`)."
            );
            continue;
        }
        let stated: Vec<String> = across
            .map(|a| {
                a.comparisons
                    .iter()
                    .filter(|c| c.task == name)
                    .map(|c| format!("HSIC vs {}: {}", c.against, verdict(c)))
                    .collect()
            })
            .unwrap_or_default();
        let cross: Vec<f64> = tasks()
            .filter_map(|t| {
                let s = t.statistics.as_ref()?.cross_fitted_oracle.as_ref()?.score;
                Some(t.score(&Baseline::Oracle)? - s)
            })
            .collect();
        let _ = writeln!(
            o,
            "- **{name}** ({}): HSIC-chosen bridge vs direct: {}; vs a random bridge: {}. The HSIC choice scored as well as the oracle in {at_oracle} of {} pairs (mean gap to the oracle {}). Even the oracle bridge beat direct in {} of {} pairs.{}{}",
            unit(&metric),
            vs_direct.line(&metric),
            vs_random.line(&metric),
            oracle_gap.len(),
            show_delta(
                &metric,
                (!oracle_gap.is_empty())
                    .then(|| oracle_gap.iter().sum::<f64>() / oracle_gap.len() as f64)
            ),
            best_direct.wins,
            best_direct.n(),
            if cross.is_empty() {
                String::new()
            } else {
                format!(
                    " Oracle − cross-fitted oracle (the bridge chosen on half the items, scored on the other): {} on average over {} pairs; a positive gap is the plain oracle's optimism.",
                    show_delta(
                        &metric,
                        Some(cross.iter().sum::<f64>() / cross.len() as f64)
                    ),
                    cross.len()
                )
            },
            if stated.is_empty() {
                String::new()
            } else {
                format!(" Across pairs: {}.", stated.join("; "))
            }
        );
    }
    if let Some(a) = across.filter(|a| a.family > 0) {
        let _ = writeln!(
            o,
            "- **How the tests were read**: \"significant\" means a Holm-adjusted p-value of at most {ALPHA} over the {} across-pair tests stated above (a sign and a Wilcoxon test per task and baseline); pairs that share their inputs (the same task key: XCOPA and SIB-200 of one target) count once, with the mean of their differences. Per pair, the exact McNemar test (accuracy) or the paired permutation test (chrF++, BLEU) is Holm-adjusted over the pairs of its task and baseline; see \"Paired statistics per pair\".",
            a.family
        );
    }
    let _ = writeln!(o);
}

fn interval(metric: &str, i: &Interval) -> String {
    format!(
        "{} [{}, {}]",
        show_delta(metric, Some(i.estimate)),
        show_delta(metric, Some(i.low)),
        show_delta(metric, Some(i.high))
    )
}

fn p(v: f64) -> String {
    if v < 0.001 {
        format!("{v:.1e}")
    } else {
        format!("{v:.3}")
    }
}

/// The findings' sentence for one across-pair comparison, written from its numbers.
fn verdict(c: &AcrossComparison) -> String {
    let units = c.units.len();
    let pairs: usize = c.units.iter().map(|u| u.pairs.len()).sum();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let over = if units == pairs {
        plural(units, "pair")
    } else {
        format!("{} of {pairs} pairs", plural(units, "independent unit"))
    };
    let wilcoxon = match (&c.wilcoxon, c.wilcoxon_holm) {
        (Some(w), Some(h)) => format!(
            "Wilcoxon p = {} ({}; Holm-adjusted {})",
            p(w.p_value),
            match w.method {
                xicl_eval::significance::WilcoxonMethod::Normal { .. } => "normal approximation",
                xicl_eval::significance::WilcoxonMethod::Exact => "exact",
                xicl_eval::significance::WilcoxonMethod::SignFlips => "exact over sign flips",
            },
            p(h)
        ),
        _ => "Wilcoxon: no test, every difference is 0".to_string(),
    };
    let best = c
        .wilcoxon_holm
        .into_iter()
        .chain([c.sign_holm])
        .fold(f64::INFINITY, f64::min);
    let mean = if units < 2 {
        format!(
            "difference {} (one unit: no interval)",
            show_delta(&c.metric, Some(c.mean.estimate))
        )
    } else {
        format!(
            "mean difference {} (95% bootstrap interval over the units)",
            interval(&c.metric, &c.mean)
        )
    };
    let words = if best <= ALPHA {
        format!(
            "significant at {ALPHA} (Holm-adjusted p = {}), HSIC {} over {over}",
            p(best),
            if c.mean.estimate > 0.0 {
                "ahead"
            } else {
                "behind"
            }
        )
    } else if units < 2 {
        format!("a single unit ({over}): nothing to test across pairs")
    } else {
        // The percentile bootstrap over a handful of units is too narrow to overrule the
        // tests, so the words follow the tests and the interval is reported beside them.
        format!(
            "no detectable difference over {over} (smallest Holm-adjusted p = {})",
            p(best)
        )
    };
    format!(
        "{words}; {mean}; sign test {}+/{}=/{}−, p = {} (Holm-adjusted {}); {wilcoxon}",
        c.sign.positive,
        c.sign.ties,
        c.sign.negative,
        p(c.sign.p_value),
        p(c.sign_holm)
    )
}

/// One comparison's cell: the difference with its interval, then each test.
fn comparison_cell(c: &Comparison, holm: Option<f64>) -> String {
    let mut out = interval(&c.metric, &c.difference);
    for t in &c.tests {
        let what = match &t.kind {
            TestKind::McNemar {
                hsic_only,
                other_only,
            } => format!("McNemar {hsic_only}:{other_only}"),
            TestKind::Permutation { .. } => format!("perm. {}", t.metric),
        };
        let _ = write!(out, "; {what} p {}", p(t.p_value));
        if t.metric == c.metric
            && let Some(h) = holm
        {
            let _ = write!(out, " (Holm {})", p(h));
        }
    }
    out
}

fn paired_statistics(o: &mut String, r: &Results, across: Option<&AcrossPairs>) {
    let _ = writeln!(o, "## Paired statistics per pair\n");
    let with_stats = tasks_by_name(r)
        .into_iter()
        .filter(|(_, rows)| rows.iter().any(|(_, t)| t.statistics.is_some()))
        .collect::<Vec<_>>();
    if with_stats.is_empty() {
        let _ = writeln!(
            o,
            "No task has per-item statistics (results made before they existed; run the same command again to compute them from the cached outputs).\n"
        );
        return;
    }
    let seeds = with_stats
        .iter()
        .flat_map(|(_, rows)| rows.iter().filter_map(|(_, t)| t.statistics.as_ref()))
        .next()
        .map(|s| (s.resamples, s.trials, s.seed));
    if let Some((resamples, trials, seed)) = seeds {
        let _ = writeln!(
            o,
            "HSIC − baseline in the task's metric over the same items, with its 95% paired-bootstrap percentile interval ({resamples} resamples of the items, the corpus score recomputed on each); against direct and English the exact McNemar test (accuracy; items only HSIC got right : items only the baseline got right) or the paired permutation test of the corpus chrF++ and BLEU ({trials} trials swapping the two routes' outputs per item, p = (count + 1)/(trials + 1)); \"Holm\" adjusts the primary test over the pairs of the table. Random is the mean over the candidate bridges, so it has an interval but no test. The cross-fitted oracle chooses the best candidate on one half of the items and scores it on the other, both ways (seeded split). Seed {seed}.\n"
        );
    }
    for (name, rows) in with_stats {
        let metric = rows[0].1.metric.clone();
        let _ = writeln!(o, "### {name}: paired statistics ({})\n", unit(&metric));
        let _ = writeln!(
            o,
            "| pair | HSIC choice (how sure) | HSIC − direct | HSIC − English | HSIC − random | oracle | cross-fitted oracle (chosen on the halves) |\n|---|---|---|---|---|---|---|"
        );
        for (p_, t) in rows {
            let Some(s) = &t.statistics else {
                let _ = writeln!(o, "| {} | – | – | – | – | – | – |", p_.pair);
                continue;
            };
            let cell = |a: Against| {
                let holm = across
                    .and_then(|x| {
                        x.comparisons
                            .iter()
                            .find(|c| c.task == name && c.against == a)
                    })
                    .and_then(|c| c.per_pair.iter().find(|x| x.pair == p_.pair))
                    .map(|x| x.holm);
                s.comparisons.iter().find(|c| c.against == a).map_or_else(
                    || {
                        if a == Against::English && t.bridge_of(&Baseline::HsicChosen) == Some("en")
                        {
                            "same route".to_string()
                        } else {
                            "–".to_string()
                        }
                    },
                    |c| comparison_cell(c, holm),
                )
            };
            let choice = match (
                t.bridge_of(&Baseline::HsicChosen),
                p_.bridge.as_ref().and_then(|b| b.confidence.as_ref()),
            ) {
                (Some(b), c) => format!("{b} ({})", how_sure(c)),
                (None, _) => "none".to_string(),
            };
            let cross = s.cross_fitted_oracle.as_ref().map_or("–".to_string(), |c| {
                format!(
                    "{} ({} / {})",
                    show(&metric, c.score),
                    c.chosen_on_first,
                    c.chosen_on_second
                )
            });
            let _ = writeln!(
                o,
                "| {} | {choice} | {} | {} | {} | {} | {cross} |",
                p_.pair,
                cell(Against::Direct),
                cell(Against::English),
                cell(Against::Random),
                with_bridge(t, &Baseline::Oracle),
            );
        }
        let _ = writeln!(o);
    }
}

fn across_pairs(o: &mut String, across: Option<&AcrossPairs>) {
    let _ = writeln!(o, "## Across pairs\n");
    let Some(a) = across.filter(|a| !a.comparisons.is_empty()) else {
        let _ = writeln!(o, "No pair has an HSIC choice and task scores yet.\n");
        return;
    };
    let _ = writeln!(
        o,
        "Each pair's HSIC − baseline score difference; pairs with the same inputs (the same task key) form one unit with the mean of their differences. Mean over the units with a 95% bootstrap interval ({} resamples of the units, seed {}); exact two-sided sign test (ties dropped); Wilcoxon signed-rank test as `scipy.stats.wilcoxon`'s defaults (zeros dropped; exact without ties or zeros up to 50 units, every sign flip enumerated with ties or zeros up to 13, otherwise the normal approximation with the tie correction); Holm's adjustment over all {} p-values of this table.\n",
        a.resamples, a.seed, a.family
    );
    let _ = writeln!(
        o,
        "| task | HSIC vs | units (pairs) | mean difference [95% interval] | sign test +/=/− | p (Holm) | Wilcoxon | p (Holm) | pairs significant on their own (Holm over pairs) |\n|---|---|---|---|---|---|---|---|---|"
    );
    for c in &a.comparisons {
        let pairs: usize = c.units.iter().map(|u| u.pairs.len()).sum();
        let (wx, wp) = match (&c.wilcoxon, c.wilcoxon_holm) {
            (Some(w), Some(h)) => (
                format!("T = {}, {}", w.statistic, w.method),
                format!("{} ({})", p(w.p_value), p(h)),
            ),
            _ => ("every difference 0".to_string(), "–".to_string()),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} ({pairs}) | {} | {}/{}/{} | {} ({}) | {wx} | {wp} | {} |",
            c.task,
            c.against,
            c.units.len(),
            if c.units.len() < 2 {
                format!(
                    "{} (one unit)",
                    show_delta(&c.metric, Some(c.mean.estimate))
                )
            } else {
                interval(&c.metric, &c.mean)
            },
            c.sign.positive,
            c.sign.ties,
            c.sign.negative,
            p(c.sign.p_value),
            p(c.sign_holm),
            if c.per_pair.is_empty() {
                "–".to_string()
            } else {
                format!("{} of {}", c.significant_pairs(), c.per_pair.len())
            }
        );
    }
    let _ = writeln!(o);
}

fn rankings(o: &mut String, r: &Results) {
    let _ = writeln!(o, "## Bridge rankings\n");
    let _ = writeln!(
        o,
        "| pair | families | tiers | HSIC ranking (bridge score) | HSIC choice | how sure (bootstrap win rate) | FLORES-similarity choice | probe words: dictionary, filter | σ-collapsed window layers left out (all candidates) |\n|---|---|---|---|---|---|---|---|---|"
    );
    for p in &r.pairs {
        let Some(b) = &p.bridge else {
            let _ = writeln!(
                o,
                "| {} | {} / {} | {} → {} | pending or skipped | – | – | – | – | – |",
                p.pair, p.families.0, p.families.1, p.tiers.0, p.tiers.1
            );
            continue;
        };
        let ranking = b
            .ranking
            .iter()
            .map(|(c, s)| match s {
                Some(s) => format!("{c} {s:.4}"),
                None => format!("{c} –"),
            })
            .collect::<Vec<_>>()
            .join(" > ");
        let _ = writeln!(
            o,
            "| {} | {} / {} | {} → {} | {ranking} | **{}** | {} | {} | {}, {}/{} kept{} | {} |",
            p.pair,
            p.families.0,
            p.families.1,
            p.tiers.0,
            p.tiers.1,
            b.chosen.as_deref().unwrap_or("none"),
            how_sure(b.confidence.as_ref()),
            p.flores_choice.as_deref().unwrap_or("–"),
            // The origin says where the words come from; the split details are in results.json.
            b.dictionary
                .split(" Train from")
                .next()
                .unwrap_or(&b.dictionary),
            b.filter_survived,
            b.filter_judged,
            if b.filter_fell_back {
                " (fell back)"
            } else {
                ""
            },
            b.collapsed_layers
        );
    }
    let _ = writeln!(o);
}

/// `clear, 0.98 [0.41, 0.52]` or `uncertain between de, fr: 0.55`; `–` without an estimate.
fn how_sure(c: Option<&ChoiceConfidence>) -> String {
    let Some(c) = c else {
        return "–".to_string();
    };
    let interval = c
        .interval
        .map_or(String::new(), |(lo, hi)| format!(" [{lo:.4}, {hi:.4}]"));
    if c.clear {
        format!("clear: {:.2}{interval}", c.win_rate)
    } else if c.uncertain_between.is_empty() {
        format!("no bridge: {:.2}", c.win_rate)
    } else {
        format!(
            "uncertain between {}: {:.2}{interval}",
            c.uncertain_between.join(", "),
            c.win_rate
        )
    }
}

fn task_tables(o: &mut String, r: &Results) {
    let _ = writeln!(o, "## Task scores under every baseline\n");
    let _ = writeln!(
        o,
        "Direct = zero-shot without a bridge; English = English as the bridge; random = mean over the candidate bridges; oracle = the best candidate bridge (in parentheses); HSIC and FLORES = the bridge chosen by the HSIC score and by FLORES similarity. Every candidate's own score is in `scores.csv`.\n"
    );
    for (name, rows) in tasks_by_name(r) {
        if rows.is_empty() {
            continue;
        }
        let metric = rows[0].1.metric.clone();
        let _ = writeln!(o, "### {name} ({})\n", unit(&metric));
        let _ = writeln!(
            o,
            "| pair | items | direct | English | random | oracle | HSIC | FLORES | HSIC − direct | oracle − HSIC |\n|---|---|---|---|---|---|---|---|---|---|"
        );
        for (p, t) in rows {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                p.pair,
                t.items,
                with_bridge(t, &Baseline::Direct),
                with_bridge(t, &Baseline::EnglishBridge),
                with_bridge(t, &Baseline::RandomBridge),
                with_bridge(t, &Baseline::Oracle),
                with_bridge(t, &Baseline::HsicChosen),
                with_bridge(t, &Baseline::FloresSimilarityChosen),
                show_delta(
                    &t.metric,
                    delta(t, &Baseline::HsicChosen, &Baseline::Direct)
                ),
                show_delta(
                    &t.metric,
                    delta(t, &Baseline::Oracle, &Baseline::HsicChosen)
                ),
            );
        }
        let _ = writeln!(o);
    }
}

fn figures(o: &mut String, r: &Results) {
    let _ = writeln!(o, "## Figures\n");
    if let Some(sim) = &r.similarity {
        for img in &sim.images {
            let _ = writeln!(o, "![{img}]({img})\n");
        }
    }
    let _ = writeln!(
        o,
        "Per-layer bridge scores (window shaded, chosen bridge bold, σ-collapsed layers marked):\n"
    );
    for p in &r.pairs {
        if let Some(img) = p.bridge.as_ref().and_then(|b| b.image.as_ref()) {
            let _ = writeln!(o, "![{}]({img})\n", p.pair);
        }
    }
}

fn skipped(o: &mut String, r: &Results) {
    let _ = writeln!(o, "## Skipped\n");
    if r.skipped.is_empty() {
        let _ = writeln!(o, "Nothing.\n");
        return;
    }
    for s in &r.skipped {
        let _ = writeln!(o, "- `{}`: {}", s.what, s.reason.replace('\n', " "));
    }
    let _ = writeln!(o);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reproduce::across::Unit;
    use xicl_eval::significance::{SignTest, Wilcoxon, WilcoxonMethod};

    fn comparison(diffs: &[f64], sign_holm: f64, wilcoxon_holm: f64) -> AcrossComparison {
        AcrossComparison {
            task: "bli".into(),
            metric: "accuracy".into(),
            against: Against::Direct,
            units: diffs
                .iter()
                .enumerate()
                .map(|(i, d)| Unit {
                    inputs: format!("bli:p{i}"),
                    pairs: vec![format!("p{i}")],
                    difference: *d,
                })
                .collect(),
            mean: Interval {
                estimate: diffs.iter().sum::<f64>() / diffs.len() as f64,
                low: -1.0,
                high: 8.0,
            },
            sign: SignTest {
                positive: 6,
                negative: 0,
                ties: 0,
                p_value: 0.03125,
            },
            sign_holm,
            wilcoxon: Some(Wilcoxon {
                n: 6,
                zeros: 0,
                ties: false,
                rank_sum_positive: 21.0,
                statistic: 0.0,
                p_value: 0.03125,
                method: WilcoxonMethod::Exact,
            }),
            wilcoxon_holm: Some(wilcoxon_holm),
            per_pair: Vec::new(),
        }
    }

    /// The findings' words follow the numbers: the smaller Holm-adjusted p decides, and a
    /// non-significant result states its interval.
    #[test]
    fn verdicts_are_written_from_the_numbers() {
        let diffs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let v = verdict(&comparison(&diffs, 0.2, 0.01));
        assert!(
            v.starts_with("significant at 0.05 (Holm-adjusted p = 0.010), HSIC ahead over 6 pairs"),
            "{v}"
        );
        let v = verdict(&comparison(&diffs, 0.5, 0.3));
        assert!(
            v.starts_with(
                "no detectable difference over 6 pairs (smallest Holm-adjusted p = 0.300); mean difference +3.5 [−1.0, +8.0] (95% bootstrap interval over the units)"
            ),
            "{v}"
        );
        assert!(
            v.contains("Wilcoxon p = 0.031 (exact; Holm-adjusted 0.300)"),
            "{v}"
        );
        // At exactly the level it is significant; the sign of the mean says who is ahead.
        let mut c = comparison(&diffs, 0.05, 0.4);
        c.mean.estimate = -3.5;
        assert!(
            verdict(&c).starts_with(
                "significant at 0.05 (Holm-adjusted p = 0.050), HSIC behind over 6 pairs"
            ),
            "{}",
            verdict(&c)
        );
        let v = verdict(&comparison(&[-2.0], 1.0, 1.0));
        assert!(v.starts_with("a single unit (1 pair)"), "{v}");
    }
}
