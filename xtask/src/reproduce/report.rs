//! `REPORT.md`: the study's findings as Markdown, rendered from [`Results`] alone (no number
//! is computed here that `results.json` does not hold, except the win/loss tallies).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use xicl_eval::Baseline;

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

    settings(&mut o, r);
    findings(&mut o, r);
    rankings(&mut o, r);
    task_tables(&mut o, r);
    figures(&mut o, r);
    skipped(&mut o, r);
    let _ = writeln!(
        o,
        "## Files\n\n- `results.json`: everything above, machine-readable.\n- `scores.csv`: one row per pair, task, baseline or route, and metric (MT: BLEU, chrF and chrF++).\n- `rankings.csv`: the HSIC ranking of every pair.\n- `pairs/<pair>/`: the `bridge` command's JSON, table and per-layer plot for the pair.\n- `similarity/`: overlap and cosine matrices (TSV, JSON) and heat maps.\n- `runs/`: every model output per item (JSON Lines), written by the run and not committed (it holds FLORES, XCOPA and SIB-200 text)."
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

fn findings(o: &mut String, r: &Results) {
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
        let _ = writeln!(
            o,
            "- **{name}** ({}): HSIC-chosen bridge vs direct: {}; vs a random bridge: {}. The HSIC choice scored as well as the oracle in {at_oracle} of {} pairs (mean gap to the oracle {}). Even the oracle bridge beat direct in {} of {} pairs.",
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
            best_direct.n()
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
