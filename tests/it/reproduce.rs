//! `reproduce` end to end on the real default model (Gemma 3 270M) and the real data files
//! (through the data store: set BRIDGEX_DATA_MIRROR to a local copy), at a small size: the
//! en-sw pair, every task, 2 items per route. Checks the report's structure, recomputes every
//! baseline from the per-route scores, and checks that a second run resumes everything.

use std::collections::BTreeSet;
use std::path::Path;

use cli::{ModelOptions, OpenedModel, TaskArg};
use neuron_probe::{ArtifactStore, RunContext};
use xicl_eval::Baseline;
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
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    for section in [
        "## Settings",
        "## Findings",
        "## Bridge rankings",
        "### bli",
        "### mt",
        "### xcopa",
        "### sib",
        "## Figures",
        "## Skipped",
        "`en-sw/belebele`",
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
