//! The study report's statistics without a model: synthetic per-item outcomes of every route
//! go through the same steps as `reproduce` (baselines, paired statistics, across-pair tests,
//! files, REPORT.md), and each number is checked against the xicl-eval statistics applied by
//! hand to the same inputs.

use std::collections::BTreeMap;

use xicl_eval::significance::{self, CorpusMetric, ItemTable};
use xicl_eval::tasks::{accuracy_metrics, translation_metrics};
use xicl_eval::{
    Baseline, BaselineSpec, BleuConfig, Outcome, Route, RunSummary, ScoredItem, route_scores,
};
use xtask::reproduce::across;
use xtask::reproduce::paired::{Against, TestKind, task_statistics};
use xtask::reproduce::results::{
    BridgeSummary, ChoiceConfidence, PairResult, RESULTS_FORMAT, Results, Settings, TaskResult,
};

/// A deterministic "random" number in 0..100 for an item of a route of a pair.
fn draw(pair: &str, route: &str, i: usize) -> u64 {
    let mut h: u64 = 1469598103934665603;
    for b in pair.bytes().chain(route.bytes()).chain(i.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(1099511628211);
    }
    h % 100
}

fn rate(route: &Route) -> u64 {
    match route {
        Route::Direct => 40,
        Route::Bridge(b) if b == "de" => 60,
        Route::Bridge(b) if b == "fr" => 55,
        Route::Bridge(_) => 45,
    }
}

fn choice_outcomes(pair: &str, route: &Route, n: usize) -> Vec<Outcome> {
    (0..n)
        .map(|i| Outcome::Choice {
            prediction: Some("1".into()),
            gold: vec!["1".into()],
            correct: draw(pair, &route.to_string(), i) < rate(route),
        })
        .collect()
}

const REFS: [&str; 6] = [
    "Habari ya asubuhi rafiki yangu.",
    "Mvua inanyesha leo.",
    "Ninapenda kusoma vitabu.",
    "Watoto wanacheza nje.",
    "Chai ni moto sana.",
    "Tutaonana kesho.",
];

fn translation_outcomes(route: &Route) -> Vec<Outcome> {
    REFS.iter()
        .enumerate()
        .map(|(i, r)| {
            let words: Vec<&str> = r.split(' ').collect();
            // Each route keeps a different share of the reference's words.
            let keep = (words.len() * (rate(route) as usize) / 100 + i % 2).min(words.len());
            Outcome::Translation {
                hypothesis: words[..keep].join(" "),
                reference: (*r).to_string(),
            }
        })
        .collect()
}

fn run(key: &str, route: Route, outcomes: Vec<Outcome>, translation: bool) -> RunSummary {
    let metrics = if translation {
        translation_metrics(&outcomes, &BleuConfig::for_target("sw")).unwrap()
    } else {
        accuracy_metrics(&outcomes)
    };
    RunSummary {
        task: key.to_string(),
        route,
        output: "x.jsonl".into(),
        items: outcomes.len(),
        resumed: 0,
        generated: outcomes.len(),
        metrics,
        outcomes: outcomes
            .into_iter()
            .enumerate()
            .map(|(i, outcome)| ScoredItem {
                id: format!("item{i}"),
                outcome,
            })
            .collect(),
    }
}

fn spec(source: &str, target: &str, hsic: &str) -> BaselineSpec {
    BaselineSpec {
        endpoints: vec![source.into(), target.into()],
        candidates: xicl_eval::default_candidates(&[source, target]),
        hsic_choice: Some(hsic.into()),
        flores_choice: Some("fr".into()),
    }
}

fn runs_of(s: &BaselineSpec, pair: &str, task: &str, key: &str) -> Vec<RunSummary> {
    s.routes()
        .into_iter()
        .map(|route| {
            if task == "mt" {
                let o = translation_outcomes(&route);
                run(key, route, o, true)
            } else {
                let o = choice_outcomes(pair, &route, 40);
                run(key, route, o, false)
            }
        })
        .collect()
}

/// As `reproduce`'s task step.
fn task_result(s: &BaselineSpec, pair: &str, task: &str, key: &str) -> TaskResult {
    let runs = runs_of(s, pair, task, key);
    let report = s.aggregate(&route_scores(&runs, None).unwrap()).unwrap();
    let statistics = task_statistics(&runs, s, &s.endpoints[1]).unwrap();
    TaskResult::from_runs(task.into(), key.into(), &runs, report.rows, statistics)
}

fn pair_result(source: &str, target: &str, hsic: &str, tasks: &[&str]) -> PairResult {
    let label = format!("{source}-{target}");
    let s = spec(source, target, hsic);
    PairResult {
        pair: label.clone(),
        source: source.into(),
        target: target.into(),
        families: ("a".into(), "b".into()),
        tiers: ("high".into(), "low".into()),
        bridge: Some(BridgeSummary {
            chosen: Some(hsic.into()),
            ranking: s
                .candidates
                .iter()
                .map(|c| (c.clone(), Some(0.5)))
                .collect(),
            collapsed_layers: 0,
            dictionary: "MUSE test".into(),
            filter_survived: 10,
            filter_judged: 20,
            filter_fell_back: false,
            probe_samples: 10,
            image: None,
            confidence: Some(ChoiceConfidence {
                replicates: 200,
                win_rate: 0.97,
                interval: Some((0.4, 0.5)),
                clear: true,
                uncertain_between: Vec::new(),
            }),
        }),
        flores_choice: Some("fr".into()),
        tasks: tasks
            .iter()
            .map(|t| {
                let key = match *t {
                    "xcopa" => format!("xcopa-loglik:{target}"),
                    other => format!("{other}:{source}-{target}"),
                };
                task_result(&s, &label, t, &key)
            })
            .collect(),
    }
}

fn study() -> Results {
    Results {
        format: RESULTS_FORMAT.into(),
        model: neuron_probe::ModelIdentity {
            name: "synthetic".into(),
            digest: "0123456789abcdef".into(),
            architecture: "none".into(),
            precision: "f32".into(),
            layers: 18,
            neurons: 2048,
        },
        settings: Settings {
            command: "test".into(),
            device: "cpu".into(),
            tasks: vec!["bli".into(), "mt".into(), "xcopa".into()],
            limit: Some(40),
            limit_spread: true,
            stats_sentences: Some(20),
            probe_size: 10,
            filter_max_words: Some(20),
            keep_collapsed_layers: false,
            scoring: xicl_eval::AnswerScoring::Loglik,
        },
        similarity: None,
        pairs: vec![
            pair_result("en", "sw", "de", &["bli", "mt", "xcopa"]),
            pair_result("zh", "sw", "en", &["bli", "xcopa"]),
            pair_result("id", "tl", "fr", &["bli"]),
            pair_result("ja", "tl", "de", &["bli"]),
        ],
        skipped: Vec::new(),
        seconds: 1.0,
        complete: true,
        across: None,
    }
}

fn accuracy_table(o: &[Outcome]) -> ItemTable {
    ItemTable::from_outcomes(&CorpusMetric::Accuracy, o).unwrap()
}

#[test]
fn paired_statistics_of_one_pair_follow_the_items() {
    let s = spec("en", "sw", "de");
    let t = task_result(&s, "en-sw", "xcopa", "xcopa-loglik:sw");
    let st = t.statistics.as_ref().unwrap();
    let against: Vec<Against> = st.comparisons.iter().map(|c| c.against).collect();
    // en is an endpoint of en-sw: no English baseline.
    assert_eq!(against, [Against::Direct, Against::Random]);
    let direct = &st.comparisons[0];
    let d = t.score(&Baseline::HsicChosen).unwrap() - t.score(&Baseline::Direct).unwrap();
    assert!((direct.difference.estimate - d).abs() < 1e-9);
    assert!(direct.difference.low <= d && d <= direct.difference.high);
    // McNemar's discordant counts, by hand from the outcomes.
    let right = |r: &Route| -> Vec<bool> {
        choice_outcomes("en-sw", r, 40)
            .iter()
            .map(|o| matches!(o, Outcome::Choice { correct: true, .. }))
            .collect()
    };
    let (h, dr) = (right(&Route::Bridge("de".into())), right(&Route::Direct));
    let hsic_only = h.iter().zip(&dr).filter(|(a, b)| **a && !**b).count();
    let other_only = h.iter().zip(&dr).filter(|(a, b)| !**a && **b).count();
    let test = direct.primary_test().unwrap();
    assert_eq!(
        test.kind,
        TestKind::McNemar {
            hsic_only,
            other_only
        }
    );
    assert_eq!(
        test.p_value,
        significance::mcnemar_exact(&h, &dr).unwrap().p_value
    );
    // HSIC − random: the HSIC score minus the mean over candidates, an interval, no test.
    let random = &st.comparisons[1];
    let want = t.score(&Baseline::HsicChosen).unwrap() - t.score(&Baseline::RandomBridge).unwrap();
    assert!((random.difference.estimate - want).abs() < 1e-9);
    assert!(random.tests.is_empty());
    // The cross-fitted oracle: the seeded halves, a choice on each, recomputed by hand.
    let c = st.cross_fitted_oracle.as_ref().unwrap();
    assert_eq!(c.first_half + c.second_half, 40);
    let (a, b) = significance::split_halves(40, st.seed);
    let tables: Vec<ItemTable> = s
        .candidates
        .iter()
        .map(|k| accuracy_table(&choice_outcomes("en-sw", &Route::Bridge(k.clone()), 40)))
        .collect();
    let refs: Vec<&ItemTable> = tables.iter().collect();
    let want = significance::cross_fitted_oracle(&refs, &CorpusMetric::Accuracy, (&a, &b)).unwrap();
    assert_eq!(c.score, want.score);
    assert_eq!(c.chosen_on_first, s.candidates[want.chosen_on_first]);
}

#[test]
fn translation_pairs_get_permutation_tests_of_chrf_and_bleu() {
    let s = spec("en", "sw", "de");
    let t = task_result(&s, "en-sw", "mt", "mt:en-sw");
    let c = &t.statistics.as_ref().unwrap().comparisons[0];
    assert_eq!(c.against, Against::Direct);
    assert_eq!(c.metric, "chrf++");
    let metrics: Vec<&str> = c.tests.iter().map(|x| x.metric.as_str()).collect();
    assert_eq!(metrics, ["chrf++", "bleu"]);
    let TestKind::Permutation {
        difference,
        trials,
        as_extreme,
    } = c.tests[0].kind
    else {
        panic!("{:?}", c.tests[0]);
    };
    let d = t.score(&Baseline::HsicChosen).unwrap() - t.score(&Baseline::Direct).unwrap();
    assert!((difference - d).abs() < 1e-9);
    assert_eq!(
        c.tests[0].p_value,
        (as_extreme + 1) as f64 / (trials + 1) as f64
    );
}

#[test]
fn paired_statistics_refuse_unpaired_or_inconsistent_runs() {
    let s = spec("en", "sw", "de");
    let mut runs = runs_of(&s, "en-sw", "xcopa", "xcopa-loglik:sw");
    runs[1].outcomes.pop();
    let e = task_statistics(&runs, &s, "sw").unwrap_err();
    assert!(format!("{e:#}").contains("other items"), "{e:#}");
    let mut runs = runs_of(&s, "en-sw", "xcopa", "xcopa-loglik:sw");
    if let xicl_eval::TaskMetrics::Accuracy { accuracy, .. } = &mut runs[0].metrics {
        *accuracy += 1.0;
    }
    let e = task_statistics(&runs, &s, "sw").unwrap_err();
    assert!(format!("{e:#}").contains("from the items"), "{e:#}");
    let mut runs = runs_of(&s, "en-sw", "xcopa", "xcopa-loglik:sw");
    runs.retain(|r| r.route != Route::Bridge("de".into()));
    let e = task_statistics(&runs, &s, "sw").unwrap_err();
    assert!(
        format!("{e:#}").contains("no run of route bridge:de"),
        "{e:#}"
    );
}

#[test]
fn across_pairs_count_shared_inputs_once_and_adjust_by_holm() {
    let r = study();
    let a = across::summarise(&r.settings.tasks, &r.pairs).unwrap();
    let find = |task: &str, against: Against| {
        a.comparisons
            .iter()
            .find(|c| c.task == task && c.against == against)
            .unwrap_or_else(|| panic!("{task} {against}"))
    };
    // XCOPA of en-sw and zh-sw: the same questions, one unit with the mean difference.
    let x = find("xcopa", Against::Direct);
    assert_eq!(x.units.len(), 1);
    assert_eq!(x.units[0].pairs, ["en-sw", "zh-sw"]);
    let diff = |p: &PairResult, task: &str, b: Baseline| {
        let t = p.tasks.iter().find(|t| t.task == task).unwrap();
        t.score(&Baseline::HsicChosen).unwrap() - t.score(&b).unwrap()
    };
    let mean = (diff(&r.pairs[0], "xcopa", Baseline::Direct)
        + diff(&r.pairs[1], "xcopa", Baseline::Direct))
        / 2.0;
    assert!((x.units[0].difference - mean).abs() < 1e-12);
    // BLI: four pairs, four units; the tests are the library's on those differences.
    let b = find("bli", Against::Direct);
    let diffs: Vec<f64> = r
        .pairs
        .iter()
        .map(|p| diff(p, "bli", Baseline::Direct))
        .collect();
    assert_eq!(
        b.units.iter().map(|u| u.difference).collect::<Vec<_>>(),
        diffs
    );
    assert_eq!(b.sign, significance::sign_test(&diffs).unwrap());
    assert_eq!(b.wilcoxon, Some(significance::wilcoxon(&diffs).unwrap()));
    // Per pair, the McNemar p-values Holm-adjusted over the four pairs.
    let raw: Vec<f64> = b.per_pair.iter().map(|p| p.p_value).collect();
    assert_eq!(raw.len(), 4);
    let holm = significance::holm(&raw).unwrap();
    assert_eq!(b.per_pair.iter().map(|p| p.holm).collect::<Vec<_>>(), holm);
    // English applies to zh-sw, id-tl, ja-tl; zh-sw chose English itself (difference 0).
    let e = find("bli", Against::English);
    assert_eq!(e.units.len(), 3);
    assert_eq!(e.sign.ties, 1);
    assert_eq!(e.per_pair.len(), 2, "zh-sw compares English with itself");
    // One Holm family: every sign and Wilcoxon p-value, in order.
    let mut family = Vec::new();
    for c in &a.comparisons {
        family.push(c.sign.p_value);
        family.extend(c.wilcoxon.map(|w| w.p_value));
    }
    assert_eq!(a.family, family.len());
    let adjusted = significance::holm(&family).unwrap();
    let mut got = Vec::new();
    for c in &a.comparisons {
        got.push(c.sign_holm);
        got.extend(c.wilcoxon_holm);
    }
    assert_eq!(got, adjusted);
}

#[test]
fn the_report_states_every_statistic_and_the_files_hold_them() {
    let dir = tempfile::tempdir().unwrap();
    let r = study();
    xtask::reproduce::write_outputs(&r, dir.path()).unwrap();
    let report = std::fs::read_to_string(dir.path().join("REPORT.md")).unwrap();
    if let Ok(p) = std::env::var("DUMP_REPORT") {
        std::fs::write(p, &report).unwrap();
    }
    for section in [
        "## Settings",
        "## Findings",
        "## Bridge rankings",
        "## Task scores under every baseline",
        "## Paired statistics per pair",
        "### bli: paired statistics",
        "### mt: paired statistics",
        "### xcopa: paired statistics",
        "## Across pairs",
        "## Figures",
        "## Skipped",
        "`statistics.csv`",
        "Holm-adjusted",
        "cross-fitted",
        "McNemar",
        "perm. chrf++",
        "perm. bleu",
        "same route",
        "clear: 0.97",
        "the most likely option after the prompt",
    ] {
        assert!(report.contains(section), "REPORT.md lacks {section}");
    }
    // BLI vs direct: 4 of 4 pairs ahead, but four units cannot reach p < 0.125 and Holm over
    // 15 tests lifts it to 1: the words follow the tests, the interval stands beside them.
    assert!(
        report.contains("HSIC vs direct: no detectable difference over 4 pairs (smallest Holm-adjusted p = 1.000); mean difference +21.9 [+12.5, +31.2]"),
        "{report}"
    );
    assert!(report.contains("HSIC vs direct: a single unit (1 independent unit of 2 pairs)"));
    let json: Results =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("results.json")).unwrap())
            .unwrap();
    let a = json.across.as_ref().expect("across-pair statistics");
    // (serde_json's float printing may move the last bit, so compare within rounding.)
    let fresh = across::summarise(&json.settings.tasks, &json.pairs).unwrap();
    assert_eq!(a.family, fresh.family);
    assert_eq!(a.comparisons.len(), fresh.comparisons.len());
    for (x, y) in a.comparisons.iter().zip(&fresh.comparisons) {
        assert_eq!(
            (&x.task, x.against, x.sign.positive),
            (&y.task, y.against, y.sign.positive)
        );
        let inputs = |c: &across::AcrossComparison| {
            c.units
                .iter()
                .map(|u| (u.inputs.clone(), u.pairs.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(inputs(x), inputs(y));
        assert!((x.sign_holm - y.sign_holm).abs() < 1e-12);
        assert!((x.mean.low - y.mean.low).abs() < 1e-9);
    }
    assert_eq!(xtask::reproduce::report::render(&json), report);
    // statistics.csv: per pair, a bootstrap row per comparison plus one per test, and the
    // cross-fitted oracle; across pairs, a sign row and a Wilcoxon row per comparison.
    let csv = std::fs::read_to_string(dir.path().join("statistics.csv")).unwrap();
    let mut want = 1;
    for p in &json.pairs {
        for t in &p.tasks {
            let s = t.statistics.as_ref().unwrap();
            want += s.comparisons.len()
                + s.comparisons.iter().map(|c| c.tests.len()).sum::<usize>()
                + usize::from(s.cross_fitted_oracle.is_some());
        }
    }
    want += a.comparisons.len()
        + a.comparisons
            .iter()
            .filter(|c| c.wilcoxon.is_some())
            .count();
    assert_eq!(csv.lines().count(), want);
    assert!(
        csv.lines()
            .any(|l| l.starts_with("across,1 units,xcopa,hsic-direct"))
    );

    // A document from before the statistics: the report says so and still renders.
    let mut old = r.clone();
    for p in &mut old.pairs {
        for t in &mut p.tasks {
            t.statistics = None;
        }
    }
    let text = xtask::reproduce::report::render(&old);
    assert!(text.contains("No task has per-item statistics"));
    assert!(text.contains("## Across pairs"));
    let by_task: BTreeMap<&str, usize> = BTreeMap::from([("bli", 4), ("mt", 1), ("xcopa", 2)]);
    for (task, n) in by_task {
        assert_eq!(
            r.pairs
                .iter()
                .filter(|p| p.tasks.iter().any(|t| t.task == task))
                .count(),
            n
        );
    }
}

#[test]
fn likelihood_scoring_is_the_default_of_eval_and_reproduce() {
    let o = xtask::reproduce::ReproduceOptions::new("x".into());
    assert_eq!(o.scoring, xicl_eval::AnswerScoring::Loglik);
    let e = cli::EvalOptions::new("en-sw".parse().unwrap(), cli::TaskArg::Xcopa, "x".into());
    assert_eq!(e.scoring, xicl_eval::AnswerScoring::Loglik);
    assert_eq!(
        xicl_eval::AnswerScoring::from(cli::ScoringArg::default()),
        xicl_eval::AnswerScoring::Loglik
    );
}
