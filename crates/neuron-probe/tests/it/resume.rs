//! Fine-grained resume and concurrency of the stages: a killed run loses at most a checkpoint
//! interval of work, and two runs of the same stage compute it once.

use std::time::Duration;

use neuron_probe::testkit::{Scenario, ScenarioSize};
use neuron_probe::{
    ArtifactStore, CaptureSite, NeuronModel, ProbeParams, RunContext, StatsParams, language_stats,
    probe,
};

fn scenario() -> Scenario {
    Scenario::new("en", "sw", "pt", &["de", "pt"], ScenarioSize::default()).unwrap()
}

/// Checkpoints after every batch.
fn eager_ctx(dir: &std::path::Path) -> RunContext {
    let mut ctx = RunContext::new(ArtifactStore::new(dir)).quiet();
    ctx.checkpoint_every = Duration::ZERO;
    ctx
}

fn stats_params() -> StatsParams {
    StatsParams {
        window_tokens: 16,
        site: CaptureSite::GateAct,
        batch_windows: 2,
    }
}

#[test]
fn killed_statistics_resume_from_their_checkpoint_with_the_same_result() {
    let sc = scenario();
    let texts = &sc.texts[..1];
    // The reference: one uninterrupted run elsewhere.
    let clean_dir = tempfile::tempdir().unwrap();
    let mut clean = sc.model.clone();
    let want = language_stats(
        &mut clean,
        texts,
        &stats_params(),
        &eager_ctx(clean_dir.path()),
    )
    .unwrap()
    .value;
    let batches = clean.calls.corpus_stats;
    assert!(
        batches >= 4,
        "enough batches to kill in the middle: {batches}"
    );

    // Killed after 3 batches, then run again.
    let dir = tempfile::tempdir().unwrap();
    let ctx = eager_ctx(dir.path());
    let mut killed = sc.model.clone().failing_after(3);
    let err = language_stats(&mut killed, texts, &stats_params(), &ctx).unwrap_err();
    assert!(err.to_string().contains("simulated failure"), "{err}");
    let mut again = sc.model.clone();
    let got = language_stats(&mut again, texts, &stats_params(), &ctx)
        .unwrap()
        .value;
    assert_eq!(
        again.calls.corpus_stats,
        batches - 3,
        "only the batches after the checkpoint ran again"
    );
    assert_eq!(got[0].stats, want[0].stats);
    // The checkpoint is gone once the statistics are saved.
    let checkpoints = dir.path().join("language-stats-checkpoint");
    let left = std::fs::read_dir(&checkpoints).map_or(0, |d| d.count());
    assert_eq!(left, 0);
}

#[test]
fn a_killed_filter_resumes_after_the_words_it_judged() {
    let sc = scenario();
    let params = ProbeParams {
        probe_size: 60,
        min_survivors: 20,
        batch_size: 8,
        ..ProbeParams::default()
    };
    let clean_dir = tempfile::tempdir().unwrap();
    let mut clean = sc.model.clone();
    let want = probe(
        &mut clean,
        &sc.dictionary,
        &params,
        &eager_ctx(clean_dir.path()),
    )
    .unwrap()
    .value;
    let filter_batches = clean.calls.greedy;
    assert!(filter_batches >= 4, "{filter_batches}");

    let dir = tempfile::tempdir().unwrap();
    let ctx = eager_ctx(dir.path());
    let mut killed = sc.model.clone().failing_after(3);
    assert!(probe(&mut killed, &sc.dictionary, &params, &ctx).is_err());
    let mut again = sc.model.clone();
    let got = probe(&mut again, &sc.dictionary, &params, &ctx)
        .unwrap()
        .value;
    assert_eq!(again.calls.greedy, filter_batches - 3);
    assert_eq!(got.words, want.words);
    assert_eq!(got.summary, want.summary);
    assert_eq!(got.data, want.data);
}

#[test]
fn two_runs_of_one_stage_compute_it_once() {
    let sc = scenario();
    let dir = tempfile::tempdir().unwrap();
    let texts = sc.texts[..2].to_vec();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let mut model = sc.model.clone();
            let texts = texts.clone();
            let ctx = RunContext::new(ArtifactStore::new(dir.path())).quiet();
            std::thread::spawn(move || {
                let stats = language_stats(&mut model, &texts, &stats_params(), &ctx).unwrap();
                (stats, model.calls.corpus_stats)
            })
        })
        .collect();
    let results: Vec<_> = runs.into_iter().map(|h| h.join().unwrap()).collect();
    // Each language was computed by one of the two runs and loaded by the other.
    for lang in ["en", "sw"] {
        let computed = results
            .iter()
            .filter(|(s, _)| s.log.stats.computed.iter().any(|l| l == lang))
            .count();
        assert_eq!(computed, 1, "{lang}: {results:?}");
    }
    assert_eq!(results[0].0.value, results[1].0.value);
    let model = sc.model.clone();
    assert!(model.layers() > 0);
}
