//! `reproduce` end to end on the real default model (Gemma 3 270M) and the real data files
//! (through the data store: set BRIDGEX_DATA_MIRROR to a local copy), at a small size: the
//! en-sw pair, every task, 2 items per route. Checks every section of the report (statistics
//! included), recomputes every baseline from the per-route scores and every statistic's
//! point estimate from the baselines, and checks that a second run resumes everything.

use std::collections::BTreeSet;
use std::path::Path;

use cli::{ModelOptions, OpenedModel, TaskArg};
use neuron_probe::{ArtifactStore, RunContext};
use xicl_eval::Baseline;
use xtask::reproduce::paired::{Against, TestKind};
use xtask::reproduce::results::{Results, TaskResult};
use xtask::reproduce::{ReproduceOptions, plan, reproduce};

/// The baselines recomputed from the route-level primary metric of each route.
fn check_baselines(pair: &str, endpoints: [&str; 2], t: &TaskResult, chosen: &str) {
    let primary = if t.metric == "accuracy" {
        "accuracy"
    } else {
        "chrf++"
    };
    let route = |name: &str| -> f64 {
        t.all_metrics
            .iter()
            .find(|(r, m, _)| r == name && m == primary)
            .unwrap_or_else(|| panic!("{pair} {}: no {primary} for route {name}", t.task))
            .2
    };
    for (_, m, v) in &t.all_metrics {
        if m == "accuracy" || m.starts_with("chrf") || m == "bleu" {
            assert!((0.0..=100.0).contains(v), "{pair} {} {m} = {v}", t.task);
        }
    }
    let candidates: Vec<&str> = ["en", "de", "fr", "it", "pt", "es"]
        .into_iter()
        .filter(|c| !endpoints.contains(c))
        .collect();
    let cand: Vec<f64> = candidates
        .iter()
        .map(|c| route(&format!("bridge:{c}")))
        .collect();
    let max = cand.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mean = cand.iter().sum::<f64>() / cand.len() as f64;
    let get = |b: Baseline| {
        t.score(&b)
            .unwrap_or_else(|| panic!("{pair} {}: no {b} row", t.task))
    };
    assert_eq!(get(Baseline::Direct), route("direct"));
    assert_eq!(get(Baseline::Oracle), max);
    assert!((get(Baseline::RandomBridge) - mean).abs() < 1e-9);
    assert_eq!(
        get(Baseline::HsicChosen),
        route(&format!("bridge:{chosen}"))
    );
    assert_eq!(
        t.score(&Baseline::EnglishBridge).is_some(),
        !endpoints.contains(&"en")
    );
    for (c, v) in candidates.iter().zip(&cand) {
        assert_eq!(get(Baseline::Candidate(c.to_string())), *v);
    }
    assert_eq!(t.items, 2, "{pair} {}: --limit 2", t.task);
}

/// The paired statistics of one task: HSIC against direct and random (English is an endpoint
/// of en-sw), each difference equal to the baselines' difference and inside its interval,
/// McNemar for accuracy and permutation tests of chrF++ and BLEU for MT, and a cross-fitted
/// oracle over the two halves of the 2 items.
fn check_statistics(pair: &str, t: &TaskResult, candidates: &[&str]) {
    let s = t
        .statistics
        .as_ref()
        .unwrap_or_else(|| panic!("{pair} {}: no statistics", t.task));
    assert_eq!((s.resamples, s.trials), (10_000, 10_000));
    let against: Vec<Against> = s.comparisons.iter().map(|c| c.against).collect();
    assert_eq!(against, [Against::Direct, Against::Random], "{}", t.task);
    for c in &s.comparisons {
        let d = t.score(&Baseline::HsicChosen).unwrap() - t.score(&c.against.baseline()).unwrap();
        assert!((c.difference.estimate - d).abs() < 1e-9, "{} {c:?}", t.task);
        assert!(c.difference.low <= d + 1e-9 && d <= c.difference.high + 1e-9);
        let tests: Vec<(&str, &str)> = c
            .tests
            .iter()
            .map(|x| (x.metric.as_str(), x.kind.name()))
            .collect();
        let want: Vec<(&str, &str)> = match (c.against, t.metric.as_str()) {
            (Against::Random, _) => vec![],
            (_, "accuracy") => vec![("accuracy", "exact McNemar")],
            _ => vec![
                ("chrf++", "paired permutation"),
                ("bleu", "paired permutation"),
            ],
        };
        assert_eq!(tests, want, "{}", t.task);
        for x in &c.tests {
            assert!((0.0..=1.0).contains(&x.p_value));
            if let TestKind::McNemar {
                hsic_only,
                other_only,
            } = x.kind
            {
                assert!(hsic_only + other_only <= 2);
            }
        }
    }
    let o = s
        .cross_fitted_oracle
        .as_ref()
        .expect("a cross-fitted oracle");
    assert_eq!((o.first_half, o.second_half), (1, 1));
    assert!(candidates.contains(&o.chosen_on_first.as_str()));
    assert!(candidates.contains(&o.chosen_on_second.as_str()));
    assert!((0.0..=100.0).contains(&o.score));
}

fn eval_generated(dir: &Path) -> (u64, u64) {
    let (mut generated, mut resumed) = (0, 0);
    for pair in std::fs::read_dir(dir.join("runs")).unwrap() {
        let pair = pair.unwrap().path();
        if !pair.is_dir() {
            continue; // the generation memo
        }
        for f in std::fs::read_dir(pair).unwrap() {
            let p = f.unwrap().path();
            if p.extension().is_some_and(|e| e == "json") {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                for r in v["runs"].as_array().unwrap() {
                    generated += r["generated"].as_u64().unwrap();
                    resumed += r["resumed"].as_u64().unwrap();
                }
            }
        }
    }
    (generated, resumed)
}

#[test]
fn reproduce_en_sw_on_the_default_model() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let ctx = RunContext::new(ArtifactStore::new(dir.path().join("artifacts"))).quiet();
    let mut model = OpenedModel::open(&ModelOptions::default(), Some(ctx.artifacts.root()))
        .expect("the default model (set BRIDGEX_GEMMA_GGUF to a local copy to avoid a download)");
    let data = fetch::DataStore::from_env().unwrap();
    let mut opts = ReproduceOptions::new(out.clone());
    opts.pairs = plan::pairs(Some(&["en-sw".to_string()])).unwrap();
    opts.limit = Some(2);
    opts.stats_sentences = Some(20);
    opts.probe_size = 30;
    opts.filter_max_words = Some(40);
    opts.progress = false;
    let r = reproduce(&mut model, &data, &ctx, &opts).unwrap();

    assert!(r.complete);
    assert_eq!(r.model.layers, 18);
    let skipped: BTreeSet<&str> = r.skipped.iter().map(|s| s.what.as_str()).collect();
    // Belebele has en and de passages only here.
    assert_eq!(
        skipped,
        BTreeSet::from(["en-sw/belebele"]),
        "{:#?}",
        r.skipped
    );
    assert!(r.skipped.iter().all(|s| !s.reason.is_empty()));
    let sim = r.similarity.as_ref().expect("similarity");
    // en sw + de fr it pt es.
    assert_eq!(sim.languages.len(), 7);
    // Heat maps of the overlap, the Jaccard similarity and the cosine.
    assert_eq!(sim.images.len(), 3);
    {
        let (pair, endpoints, tasks) = ("en-sw", ["en", "sw"], vec!["bli", "mt", "xcopa", "sib"]);
        let p = r.pairs.iter().find(|p| p.pair == pair).unwrap();
        let b = p.bridge.as_ref().expect("a ranking");
        let want = if endpoints.contains(&"en") { 5 } else { 6 };
        assert_eq!(b.ranking.len(), want, "{pair}");
        let chosen = b.chosen.clone().expect("a chosen bridge");
        assert_eq!(b.ranking[0].0, chosen);
        assert!(b.ranking.windows(2).all(|w| w[0].1 >= w[1].1));
        assert_eq!(b.probe_samples, 30);
        let flores = p
            .flores_choice
            .as_deref()
            .expect("a FLORES-similarity choice");
        assert!(b.ranking.iter().any(|(c, _)| c == flores));
        let got: Vec<&str> = p.tasks.iter().map(|t| t.task.as_str()).collect();
        assert_eq!(got, tasks, "{pair}");
        for t in &p.tasks {
            check_baselines(pair, endpoints, t, &chosen);
            check_statistics(pair, t, &["de", "fr", "it", "pt", "es"]);
            assert_eq!(
                t.score(&Baseline::FloresSimilarityChosen),
                t.score(&Baseline::Candidate(flores.to_string()))
            );
        }
        assert!(out.join(b.image.as_ref().unwrap()).is_file());
        // How sure the choice is: the bootstrap's win rate of the chosen bridge.
        let c = b.confidence.as_ref().expect("a confidence estimate");
        assert_eq!(c.replicates, 200);
        assert!((0.0..=1.0).contains(&c.win_rate));
        assert_eq!(c.clear, c.win_rate >= 0.95);
        assert_eq!(c.clear, c.uncertain_between.is_empty());
    }

    // Likelihood scoring is the default: the classification tasks' keys say so.
    assert_eq!(r.settings.scoring, xicl_eval::AnswerScoring::Loglik);
    let keys: Vec<&str> = r.pairs[0].tasks.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "bli:en-sw",
            "mt:en-sw",
            "xcopa-loglik:sw",
            "sib200-loglik:sw"
        ]
    );
    // Across pairs: one pair, so one unit per task and baseline; Holm over 2 tests each.
    let a = r.across.as_ref().expect("across-pair statistics");
    assert_eq!(a.comparisons.len(), 4 * 2);
    for c in &a.comparisons {
        assert_eq!(c.units.len(), 1);
        assert_eq!(c.units[0].pairs, ["en-sw"]);
        assert_eq!(c.sign.positive + c.sign.negative + c.sign.ties, 1);
    }

    // Files: JSON equal to the returned document, CSV row counts, the report's sections.
    let json: Results =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    // (serde_json's float printing may move the last bit, so compare the structure.)
    assert!(json.complete);
    assert_eq!(json.skipped, r.skipped);
    assert_eq!(json.settings, r.settings);
    assert_eq!(json.pairs.len(), r.pairs.len());
    assert_eq!(
        json.pairs[0].bridge.as_ref().map(|b| &b.chosen),
        r.pairs[0].bridge.as_ref().map(|b| &b.chosen)
    );
    assert_eq!(json.pairs[0].tasks.len(), r.pairs[0].tasks.len());
    let rankings = std::fs::read_to_string(out.join("rankings.csv")).unwrap();
    assert_eq!(rankings.lines().count(), 1 + 5);
    let scores = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    let want_rows: usize = r
        .pairs
        .iter()
        .flat_map(|p| &p.tasks)
        .map(|t| t.rows.len() + t.all_metrics.len())
        .sum();
    assert_eq!(scores.lines().count(), 1 + want_rows);
    let stats_csv = std::fs::read_to_string(out.join("statistics.csv")).unwrap();
    // Per task: 2 bootstrap rows, the tests against direct (1, MT 2), the cross-fitted
    // oracle; across pairs: per task and baseline a sign row and a Wilcoxon row unless every
    // difference is 0.
    let per_pair: usize = r.pairs[0]
        .tasks
        .iter()
        .map(|t| 2 + if t.metric == "accuracy" { 1 } else { 2 } + 1)
        .sum();
    let across_rows: usize = a
        .comparisons
        .iter()
        .map(|c| 1 + usize::from(c.wilcoxon.is_some()))
        .sum();
    assert_eq!(stats_csv.lines().count(), 1 + per_pair + across_rows);
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    for section in [
        "## Settings",
        "## Findings",
        "## Bridge rankings",
        "### bli",
        "### mt",
        "### xcopa",
        "### sib",
        "## Paired statistics per pair",
        "### bli: paired statistics",
        "### mt: paired statistics",
        "### xcopa: paired statistics",
        "### sib: paired statistics",
        "## Across pairs",
        "McNemar",
        "perm. chrf++",
        "cross-fitted",
        "Holm",
        "a single unit (1 pair)",
        "the most likely option after the prompt",
        "## Figures",
        "## Skipped",
        "`en-sw/belebele`",
        "`statistics.csv`",
    ] {
        assert!(report.contains(section), "REPORT.md lacks {section}");
    }
    assert!(
        !report.contains("### belebele"),
        "no pair has Belebele data"
    );
    assert!(report.contains("how sure (bootstrap win rate)"));
    // `--report-only` renders from results.json alone: the same report.
    assert_eq!(xtask::reproduce::report::render(&json), report);
    // Every image the report links exists.
    for link in report.split("](").skip(1) {
        let path = &link[..link.find(')').unwrap()];
        assert!(out.join(path).is_file(), "REPORT.md links a missing {path}");
    }

    // A second run resumes every stage: no item is generated again, the scores are the same.
    let (generated, _) = eval_generated(&out);
    assert!(generated > 0);
    let again = reproduce(&mut model, &data, &ctx, &opts).unwrap();
    let (generated, resumed) = eval_generated(&out);
    assert_eq!(generated, 0, "the second run generated items again");
    assert!(resumed > 0);
    for (a, b) in r.pairs.iter().zip(&again.pairs) {
        assert_eq!(a.bridge, b.bridge);
        assert_eq!(a.tasks, b.tasks);
    }

    // The generation memo holds every request of the first run: with the per-item files gone,
    // a third run regenerates every item, yet sends the model nothing new (a request the memo
    // lacks would add a line to it), and scores the same.
    let memo: Vec<_> = std::fs::read_dir(out.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    assert_eq!(memo.len(), 1, "{memo:?}");
    let memo_name = memo[0].file_name().unwrap().to_string_lossy().to_string();
    assert!(
        memo_name.starts_with("generations-a5fd3b62230a-f32"),
        "{memo_name}"
    );
    let memo_lines = || std::fs::read_to_string(&memo[0]).unwrap().lines().count();
    let before = memo_lines();
    assert!(before > 0);
    std::fs::remove_dir_all(out.join("runs").join("en-sw").join("eval")).unwrap();
    let third = reproduce(&mut model, &data, &ctx, &opts).unwrap();
    let (generated, _) = eval_generated(&out);
    assert!(generated > 0, "the items were evaluated again");
    assert_eq!(memo_lines(), before, "a request reached the model again");
    for (a, b) in r.pairs.iter().zip(&third.pairs) {
        assert_eq!(a.tasks, b.tasks);
    }
}

#[test]
fn bad_pairs_and_tasks_are_refused_clearly() {
    let e = plan::pairs(Some(&["en-xx".to_string()])).unwrap_err();
    assert!(format!("{e:#}").contains("en-xx"), "{e:#}");
    let e = plan::pairs(Some(&["en-sw".to_string(), "en-sw".to_string()])).unwrap_err();
    assert!(format!("{e:#}").contains("twice"), "{e:#}");
    // The default plan: 15 pairs over the 7 families of docs/METHOD.md §7.
    let pairs = plan::pairs(None).unwrap();
    assert_eq!(pairs.len(), 15);
    let families: BTreeSet<&str> = pairs
        .iter()
        .flat_map(|p| [p.source.family, p.target.family])
        .collect();
    assert_eq!(families.len(), 7, "{families:?}");
    assert!(
        pairs
            .iter()
            .all(|p| p.target.tier != langs::Tier::High || p.label() == "zh-ja")
    );
    assert!(cli::task_coverage(TaskArg::Xcopa, &"id-tl".parse().unwrap()).is_some());
    assert!(cli::task_coverage(TaskArg::Xcopa, &"en-sw".parse().unwrap()).is_none());
}
