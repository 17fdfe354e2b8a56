//! Reproductions of the reliability issue's bugs, each failing before its fix: results and
//! memos of one model never serve another, and two runs never write one file.

use cli::{EvalOptions, TaskArg, eval_command};
use xicl_eval::Route;

use crate::common::world;

fn bli_opts(dir: &std::path::Path) -> EvalOptions {
    let mut opts = EvalOptions::new("en-sw".parse().unwrap(), TaskArg::Bli, dir.to_path_buf());
    opts.routes = vec![Route::Direct];
    opts.progress = false;
    opts.limit = Some(5);
    opts
}

#[test]
fn eval_does_not_resume_another_models_results() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let opts = bli_opts(dir.path());
    let mut first = sc.model.clone().relabelled("aaaa1111", "f32");
    let o = eval_command(&mut first, &inputs, &opts).unwrap();
    assert_eq!((o.runs[0].generated, o.runs[0].resumed), (5, 0));

    // Another model (the bug: "generated 0, resumed 5" under the second model's name).
    let mut other = sc.model.clone().relabelled("bbbb2222", "f32");
    let err = format!(
        "{:#}",
        eval_command(&mut other, &inputs, &opts).unwrap_err()
    );
    assert!(
        err.contains("model") && err.contains("aaaa1111") && err.contains("bbbb2222"),
        "{err}"
    );
    // The same model in another precision.
    let mut bf16 = sc.model.clone().relabelled("aaaa1111", "bf16");
    let err = format!("{:#}", eval_command(&mut bf16, &inputs, &opts).unwrap_err());
    assert!(err.contains("precision") && err.contains("bf16"), "{err}");
    // The same model and precision resumes.
    let o = eval_command(&mut first, &inputs, &opts).unwrap();
    assert_eq!((o.runs[0].generated, o.runs[0].resumed), (0, 5));
}

#[test]
fn a_memo_does_not_answer_for_another_model() {
    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let memo = dir.path().join("memo.jsonl");
    let mut opts = bli_opts(&dir.path().join("a"));
    opts.memo = Some(memo.clone());
    let mut first = sc.model.clone().relabelled("aaaa1111", "f32");
    eval_command(&mut first, &inputs, &opts).unwrap();

    // The bug: a second run with another --model got the first model's answers in 0.00 s.
    opts.out_dir = dir.path().join("b");
    let mut other = sc.model.clone().relabelled("bbbb2222", "f32");
    let err = format!(
        "{:#}",
        eval_command(&mut other, &inputs, &opts).unwrap_err()
    );
    assert!(err.contains("memo") && err.contains("aaaa1111"), "{err}");
    assert_eq!(
        other.calls.total(),
        0,
        "the other model was not asked either"
    );
}

#[test]
fn a_results_file_has_one_writer_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eval").join("bli-en-sw-direct.jsonl");
    let held = xicl_eval::ResultStore::open(&path).unwrap();
    // The bug: two identical `eval ... --out D` at once appended the same items twice.
    let err = xicl_eval::ResultStore::open(&path).unwrap_err().to_string();
    assert!(err.contains("another process"), "{err}");
    drop(held);
    xicl_eval::ResultStore::open(&path).expect("free again once the first is closed");
}

#[test]
fn an_unusable_out_or_artifacts_dir_fails_before_any_work() {
    use cli::{StatsOptions, stats_command};
    use neuron_probe::{ArtifactStore, RunContext};

    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();

    // The bug: `stats --lang en --out FILE` computed for minutes, then failed.
    let ctx = RunContext::new(ArtifactStore::new(dir.path().join("artifacts"))).quiet();
    let mut opts = StatsOptions::new(vec!["en".into()]);
    opts.stats = crate::common::stats_params();
    opts.out_dir = Some(file.clone());
    let mut model = sc.model.clone();
    let err = format!(
        "{:#}",
        stats_command(&mut model, &inputs, &ctx, &opts).unwrap_err()
    );
    assert!(err.contains("a-file") && err.contains("--out"), "{err}");
    assert_eq!(model.calls.total(), 0, "nothing was computed");

    // An artifacts folder that is a file: refused before the model runs.
    let ctx = RunContext::new(ArtifactStore::new(&file)).quiet();
    opts.out_dir = None;
    let err = format!(
        "{:#}",
        stats_command(&mut model, &inputs, &ctx, &opts).unwrap_err()
    );
    assert!(err.contains("--artifacts-dir"), "{err}");
    assert_eq!(model.calls.total(), 0, "nothing was computed");
}

#[test]
fn two_runs_in_the_same_state_write_the_same_bytes() {
    use cli::{BridgeOptions, bridge};
    use neuron_probe::{ArtifactStore, RunContext};

    let (sc, inputs) = world();
    let dir = tempfile::tempdir().unwrap();
    let ctx = RunContext::new(ArtifactStore::new(dir.path().join("artifacts"))).quiet();
    let run = |out: &str| {
        let mut opts = BridgeOptions::new("en-sw".parse().unwrap());
        opts.candidates = crate::common::CANDIDATES
            .iter()
            .map(|c| c.to_string())
            .collect();
        opts.params.stats = crate::common::stats_params();
        opts.params.probe = crate::common::probe_params();
        opts.params.bridge.sets = crate::common::sets();
        opts.out_dir = Some(dir.path().join(out));
        let mut model = sc.model.clone();
        bridge(&mut model, &inputs, &ctx, &opts).unwrap();
        std::fs::read(dir.path().join(out).join("bridge-en-sw.json")).unwrap()
    };
    run("first");
    // Both later runs find everything cached: their files must not differ (no timings).
    assert_eq!(run("second"), run("third"));
}
