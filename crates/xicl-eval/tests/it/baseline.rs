//! Baseline aggregation (docs/METHOD.md §6): oracle = best candidate, random = mean over candidates.

use std::collections::BTreeMap;

use xicl_eval::{Baseline, BaselineSpec, EvalError, Route, default_candidates};

fn b(c: &str) -> Route {
    Route::Bridge(c.to_owned())
}

fn spec_id_he() -> BaselineSpec {
    BaselineSpec {
        endpoints: vec!["id".into(), "he".into()],
        candidates: default_candidates(&["id", "he"]),
        hsic_choice: Some("fr".into()),
        flores_choice: Some("de".into()),
    }
}

#[test]
fn routes_cover_every_baseline_once() {
    let spec = spec_id_he();
    assert_eq!(spec.candidates, ["en", "de", "fr", "it", "pt", "es"]);
    assert_eq!(
        spec.routes(),
        [
            Route::Direct,
            b("en"),
            b("de"),
            b("fr"),
            b("it"),
            b("pt"),
            b("es")
        ]
    );
    // English as an endpoint: no English-bridge baseline, English not a candidate
    let en_sw = BaselineSpec {
        endpoints: vec!["en".into(), "sw".into()],
        candidates: default_candidates(&["en", "sw"]),
        hsic_choice: Some("de".into()),
        flores_choice: None,
    };
    assert!(!en_sw.has_english_bridge());
    assert_eq!(
        en_sw.routes(),
        [Route::Direct, b("de"), b("fr"), b("it"), b("pt"), b("es")]
    );
}

#[test]
fn oracle_is_max_and_random_is_mean() {
    let spec = spec_id_he();
    let scores: BTreeMap<Route, f64> = [
        (Route::Direct, 20.0),
        (b("en"), 31.0),
        (b("de"), 25.0),
        (b("fr"), 40.0),
        (b("it"), 22.0),
        (b("pt"), 18.0),
        (b("es"), 26.0),
    ]
    .into_iter()
    .collect();
    let report = spec.aggregate(&scores).expect("report");
    let row = |x: Baseline| report.get(&x).map(|r| (r.bridge.clone(), r.score));
    assert_eq!(row(Baseline::Direct), Some((None, 20.0)));
    assert_eq!(
        row(Baseline::EnglishBridge),
        Some((Some("en".into()), 31.0))
    );
    assert_eq!(
        row(Baseline::Candidate("it".into())),
        Some((Some("it".into()), 22.0))
    );
    assert_eq!(row(Baseline::Oracle), Some((Some("fr".into()), 40.0)));
    // (31 + 25 + 40 + 22 + 18 + 26) / 6 = 162 / 6 = 27
    assert_eq!(row(Baseline::RandomBridge), Some((None, 27.0)));
    assert_eq!(row(Baseline::HsicChosen), Some((Some("fr".into()), 40.0)));
    assert_eq!(
        row(Baseline::FloresSimilarityChosen),
        Some((Some("de".into()), 25.0))
    );
    assert_eq!(report.rows.len(), 1 + 1 + 6 + 1 + 1 + 1 + 1);
    let json = serde_json::to_string(&report).expect("serialise");
    assert!(json.contains("\"oracle\""), "{json}");
}

#[test]
fn oracle_ties_go_to_the_first_candidate() {
    let spec = BaselineSpec {
        endpoints: vec!["sw".into()],
        candidates: vec!["de".into(), "fr".into()],
        hsic_choice: None,
        flores_choice: None,
    };
    let scores: BTreeMap<Route, f64> = [
        (Route::Direct, 1.0),
        (b("en"), 2.0),
        (b("de"), 5.0),
        (b("fr"), 5.0),
    ]
    .into_iter()
    .collect();
    let r = spec.aggregate(&scores).expect("report");
    assert_eq!(
        r.get(&Baseline::Oracle).and_then(|r| r.bridge.clone()),
        Some("de".into())
    );
    assert!(r.get(&Baseline::HsicChosen).is_none());
}

#[test]
fn missing_runs_and_bad_specs_are_errors() {
    let spec = spec_id_he();
    let scores: BTreeMap<Route, f64> = [(Route::Direct, 1.0)].into_iter().collect();
    let err = spec.aggregate(&scores).expect_err("missing");
    assert!(
        matches!(&err, EvalError::MissingRun(r) if r == "bridge:en"),
        "{err}"
    );

    let mut bad = spec_id_he();
    bad.candidates.push("he".into());
    assert!(bad.validate().is_err());
    let mut bad = spec_id_he();
    bad.candidates.push("en".into());
    assert!(bad.validate().is_err());
    let mut bad = spec_id_he();
    bad.candidates.clear();
    assert!(bad.validate().is_err());
}

#[test]
fn scores_from_run_summaries() {
    use std::path::PathBuf;
    use xicl_eval::{BleuConfig, RunSummary, TaskMetrics, corpus_bleu, route_scores};
    let bleu = corpus_bleu(&["a b c d"], &["a b c d"], &BleuConfig::default()).expect("bleu");
    let mk = |route: Route, chrf_pp: f64| RunSummary {
        task: "mt:en-sw".into(),
        route,
        output: PathBuf::from("x.jsonl"),
        items: 1,
        resumed: 0,
        generated: 1,
        metrics: TaskMetrics::Translation {
            segments: 1,
            empty_hypotheses: 0,
            bleu: bleu.clone(),
            chrf: 50.0,
            chrf_pp,
        },
        outcomes: Vec::new(),
    };
    let runs = [mk(Route::Direct, 10.0), mk(b("de"), 12.5)];
    let primary = route_scores(&runs, None).expect("primary");
    assert_eq!(primary.get(&b("de")), Some(&12.5));
    let by_bleu = route_scores(&runs, Some("bleu")).expect("bleu");
    assert_eq!(by_bleu.get(&Route::Direct), Some(&bleu.score));
    assert!(route_scores(&runs, Some("accuracy")).is_err());
    assert!(route_scores(&[mk(Route::Direct, 1.0), mk(Route::Direct, 2.0)], None).is_err());
    let mut other = mk(b("fr"), 3.0);
    other.task = "mt:en-de".into();
    assert!(route_scores(&[mk(Route::Direct, 1.0), other], None).is_err());
}
