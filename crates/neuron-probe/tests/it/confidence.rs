//! The bootstrap against a naive second implementation: each replicate's probe resampled by
//! hand and ranked by the public single-ranking function, win rates counted and percentiles
//! taken by hand.

use neuron_probe::testkit::{FakeModel, Scenario, ScenarioSize};
use neuron_probe::{
    ArtifactStore, BridgeParams, ConfidenceParams, LanguageStats, NeuronModel, ProbeParams,
    Resample, RunContext, SetMethod, StatsParams, Threshold, Verdict, bootstrap_indices,
    bridge_confidence, bridge_confidence_words, language_stats, probe, rank_bridges,
    word_draw_indices,
};

fn naive_percentile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// The fake world whose bridge of en→sw is pt, with its statistics computed.
fn world() -> (Scenario, FakeModel, tempfile::TempDir, Vec<LanguageStats>) {
    let sc = Scenario::new(
        "en",
        "sw",
        "pt",
        &["de", "pt", "es"],
        ScenarioSize::default(),
    )
    .unwrap();
    let mut model = sc.model.clone();
    let dir = tempfile::tempdir().unwrap();
    let ctx = RunContext::new(ArtifactStore::new(dir.path())).quiet();
    let stats_params = StatsParams {
        window_tokens: 64,
        ..StatsParams::default()
    };
    let stats = language_stats(&mut model, &sc.texts, &stats_params, &ctx)
        .unwrap()
        .value;
    (sc, model, dir, stats)
}

#[test]
fn the_bootstrap_is_the_ranking_of_resampled_probes() {
    let (sc, mut model, dir, stats) = world();
    let ctx = RunContext::new(ArtifactStore::new(dir.path())).quiet();
    let probe_params = ProbeParams {
        probe_size: 40,
        min_survivors: 20,
        ..ProbeParams::default()
    };
    let a = probe(&mut model, &sc.dictionary, &probe_params, &ctx)
        .unwrap()
        .value;
    let params = BridgeParams {
        sets: SetMethod::TopRate {
            top_rate: 0.1,
            threshold: Threshold::Quantile,
        },
        ..BridgeParams::default()
    };
    let cands = ["de", "pt", "es"];
    let identity = model.identity();
    let report = rank_bridges(&stats, &a, &cands, &params, &identity).unwrap();
    let conf_params = ConfidenceParams {
        replicates: 25,
        seed: 3,
        clear_at: 0.95,
        ..ConfidenceParams::default()
    };
    let conf = bridge_confidence(
        &stats,
        &a,
        &cands,
        &params,
        &identity,
        report.chosen.as_deref(),
        &conf_params,
    )
    .unwrap();

    // By hand: resample every row of the probe, rank, count.
    let s = a.samples();
    let mut wins = vec![0usize; cands.len()];
    let mut scores: Vec<Vec<f64>> = vec![Vec::new(); cands.len()];
    for r in 0..conf_params.replicates {
        let idx = bootstrap_indices(s, r, conf_params.seed);
        let mut b = a.clone();
        for (row, dst) in a.data.chunks(s).zip(b.data.chunks_mut(s)) {
            for (d, &i) in dst.iter_mut().zip(&idx) {
                *d = row[i];
            }
        }
        let rr = rank_bridges(&stats, &b, &cands, &params, &identity).unwrap();
        for (c, cand) in rr.candidates.iter().enumerate() {
            if rr.chosen.as_deref() == Some(cand.language.as_str()) {
                wins[c] += 1;
            }
            scores[c].extend(cand.score);
        }
    }
    for (c, got) in conf.candidates.iter().enumerate() {
        assert_eq!(got.language, cands[c]);
        assert_eq!(got.win_rate, wins[c] as f64 / 25.0, "{}", got.language);
        let (lo, hi) = got.interval.unwrap();
        assert!((lo - naive_percentile(scores[c].clone(), 0.025)).abs() < 1e-12);
        assert!((hi - naive_percentile(scores[c].clone(), 0.975)).abs() < 1e-12);
        assert!(lo <= hi);
    }
    // The scenario is built so that pt is the bridge: it must win every replicate.
    assert_eq!(report.chosen.as_deref(), Some("pt"));
    assert_eq!(
        conf.verdict,
        Verdict::Clear {
            bridge: "pt".into(),
            win_rate: 1.0
        }
    );
}

#[test]
fn redrawn_words_are_rankings_of_word_subsets_of_the_pool() {
    let (sc, mut model, dir, stats) = world();
    let ctx = RunContext::new(ArtifactStore::new(dir.path())).quiet();
    // A pool of 60 words; replicates of 30.
    let pool = probe(
        &mut model,
        &sc.dictionary,
        &ProbeParams {
            probe_size: 60,
            min_survivors: 20,
            ..ProbeParams::default()
        },
        &ctx,
    )
    .unwrap()
    .value;
    let params = BridgeParams {
        sets: SetMethod::TopRate {
            top_rate: 0.1,
            threshold: Threshold::Quantile,
        },
        ..BridgeParams::default()
    };
    let cands = ["de", "pt", "es"];
    let identity = model.identity();
    let conf_params = ConfidenceParams {
        replicates: 15,
        seed: 9,
        resample: Resample::Words { pool: 60 },
        ..ConfidenceParams::default()
    };
    let conf = bridge_confidence_words(
        &stats,
        &pool,
        30,
        &cands,
        &params,
        &identity,
        Some("pt"),
        &conf_params,
    )
    .unwrap();
    assert!(conf.resampled.contains("30 of a pool of 60"));

    // By hand: a probe of the drawn words (every row, words and prompts too), ranked.
    let s = pool.samples();
    let mut wins = vec![0usize; cands.len()];
    for r in 0..conf_params.replicates {
        let idx = word_draw_indices(s, 30, r, conf_params.seed);
        let mut b = pool.clone();
        b.words = idx.iter().map(|&i| pool.words[i].clone()).collect();
        b.targets = idx.iter().map(|&i| pool.targets[i].clone()).collect();
        b.prompts = idx.iter().map(|&i| pool.prompts[i].clone()).collect();
        b.data = pool
            .data
            .chunks(s)
            .flat_map(|row| idx.iter().map(move |&i| row[i]))
            .collect();
        let rr = rank_bridges(&stats, &b, &cands, &params, &identity).unwrap();
        for (c, cand) in rr.candidates.iter().enumerate() {
            if rr.chosen.as_deref() == Some(cand.language.as_str()) {
                wins[c] += 1;
            }
        }
    }
    for (c, got) in conf.candidates.iter().enumerate() {
        assert_eq!(got.win_rate, wins[c] as f64 / 15.0, "{}", got.language);
    }
    // A pool no larger than the draw is refused.
    assert!(
        bridge_confidence_words(
            &stats,
            &pool,
            60,
            &cands,
            &params,
            &identity,
            Some("pt"),
            &conf_params
        )
        .is_err()
    );
}
