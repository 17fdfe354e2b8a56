//! The evaluation driver with fake generators: batching, JSON Lines output, resume after an
//! interruption, half-written lines, limits, multi-step bridged runs and error cases.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use xicl_eval::{
    AnswerScoring, BliItem, BliTask, ChrfConfig, CopaQuestion, EvalError, GenerateError, Generator,
    ItemRecord, LangRef, MtItem, MtTask, PromptMode, RunOptions, TaskMetrics, XcopaItem, XcopaTask,
    corpus_chrf, run_task,
};

/// Answers word-translation prompts from a table (unknown word: no answer); fails once `fail_at`
/// calls have been made; records every call.
struct TableGen {
    answers: HashMap<String, String>,
    fail_at: Option<usize>,
    calls: Vec<Vec<String>>,
}

impl TableGen {
    fn new(answers: &[(&str, &str)]) -> Self {
        TableGen {
            answers: answers
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            fail_at: None,
            calls: Vec::new(),
        }
    }
}

impl Generator for TableGen {
    fn generate(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> Result<Vec<String>, GenerateError> {
        if self.fail_at == Some(self.calls.len()) {
            return Err("device lost".into());
        }
        assert_eq!(max_new_tokens, 30);
        assert_eq!(stop, ["\n"]);
        self.calls.push(prompts.to_vec());
        Ok(prompts
            .iter()
            .map(|p| {
                // English:"word"→Deutsch:
                let word = p.split('"').nth(1).unwrap_or_default();
                match self.answers.get(word) {
                    Some(a) => format!(" \"{a}\"\n"),
                    None => " ?\n".to_owned(),
                }
            })
            .collect())
    }
}

fn items(n: usize) -> Vec<BliItem> {
    (0..n)
        .map(|i| BliItem {
            source: format!("w{i}"),
            targets: vec![format!("t{i}")],
        })
        .collect()
}

/// Answers right for even-numbered words only.
fn even_table(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            (
                format!("w{i}"),
                if i % 2 == 0 {
                    format!("T{i}")
                } else {
                    "nope".into()
                },
            )
        })
        .collect()
}

fn read_records(path: &Path) -> Vec<ItemRecord> {
    std::fs::read_to_string(path)
        .expect("results file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect()
}

fn opts(batch_size: usize) -> RunOptions {
    RunOptions {
        batch_size,
        limit: None,
        progress: false,
        ..RunOptions::default()
    }
}

fn bli() -> BliTask {
    BliTask::new(LangRef::new("en", "English"), LangRef::new("de", "Deutsch"))
}

#[test]
fn resume_after_interruption_has_no_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("runs/bli.jsonl");
    let table = even_table(10);
    let pairs: Vec<(&str, &str)> = table
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let task = bli();
    let all = items(10);

    // batches of 3: calls 0 and 1 succeed, call 2 fails
    let mut model1 = TableGen::new(&pairs);
    model1.fail_at = Some(2);
    let err = run_task(
        &mut model1,
        &task,
        &all,
        &PromptMode::Direct,
        &out,
        &opts(3),
    )
    .expect_err("must fail");
    assert!(
        matches!(&err, EvalError::Generator { step: 0, first_id, .. } if first_id == "w6"),
        "{err}"
    );
    let partial = read_records(&out);
    assert_eq!(
        partial.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["w0", "w1", "w2", "w3", "w4", "w5"]
    );

    let mut model2 = TableGen::new(&pairs);
    let s = run_task(
        &mut model2,
        &task,
        &all,
        &PromptMode::Direct,
        &out,
        &opts(3),
    )
    .expect("resume");
    // only the four unfinished items were generated, in batches of 3 and 1
    let sent: Vec<usize> = model2.calls.iter().map(Vec::len).collect();
    assert_eq!(sent, [3, 1]);
    assert_eq!(model2.calls[0][0], "English:\"w6\"→Deutsch:");
    assert_eq!((s.items, s.resumed, s.generated), (10, 6, 4));
    let recs = read_records(&out);
    assert_eq!(recs.len(), 10);
    let ids: HashSet<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 10);
    // even words are right (case-insensitive), odd words wrong: 5 / 10
    assert_eq!(
        s.metrics,
        TaskMetrics::Accuracy {
            total: 10,
            correct: 5,
            parse_failures: 0,
            accuracy: 50.0
        }
    );
    let r4 = recs.iter().find(|r| r.id == "w4").expect("w4");
    assert_eq!(r4.prompts, [["English:\"w4\"→Deutsch:"]]);
    assert_eq!(r4.outputs, [[" \"T4\"\n"]]);
    assert_eq!(
        (r4.prediction.as_deref(), r4.correct),
        (Some("T4"), Some(true))
    );

    // a third run generates nothing and scores the same
    let mut model3 = TableGen::new(&pairs);
    let s3 = run_task(
        &mut model3,
        &task,
        &all,
        &PromptMode::Direct,
        &out,
        &opts(3),
    )
    .expect("rerun");
    assert!(model3.calls.is_empty());
    assert_eq!((s3.resumed, s3.generated, s3.metrics), (10, 0, s.metrics));
}

#[test]
fn half_written_last_line_is_dropped_and_redone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bli.jsonl");
    let task = bli();
    let all = items(4);
    let mut model = TableGen::new(&[("w0", "t0"), ("w1", "t1"), ("w2", "t2"), ("w3", "t3")]);
    run_task(
        &mut model,
        &task,
        &all[..2],
        &PromptMode::Direct,
        &out,
        &opts(2),
    )
    .expect("first");
    // simulate a crash in the middle of writing w2's line
    let mut bytes = std::fs::read(&out).expect("read");
    bytes.extend_from_slice(br#"{"id":"w2","task":"bli:en-de","route":"dir"#);
    std::fs::write(&out, &bytes).expect("write");

    let mut model2 = TableGen::new(&[("w0", "t0"), ("w1", "t1"), ("w2", "t2"), ("w3", "t3")]);
    let s = run_task(
        &mut model2,
        &task,
        &all,
        &PromptMode::Direct,
        &out,
        &opts(2),
    )
    .expect("resume");
    assert_eq!((s.resumed, s.generated), (2, 2));
    assert_eq!(s.metrics.primary(), 100.0);
    let recs = read_records(&out);
    assert_eq!(
        recs.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["w0", "w1", "w2", "w3"]
    );
}

#[test]
fn limit_spreads_the_items_evenly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bli.jsonl");
    // w3 is known, w0 and w6 get " ?": parsed as the word "?", wrong but not a parse failure
    let mut model = TableGen::new(&[("w3", "t3")]);
    let o = RunOptions {
        limit: Some(3),
        ..opts(8)
    };
    let s = run_task(
        &mut model,
        &bli(),
        &items(10),
        &PromptMode::Direct,
        &out,
        &o,
    )
    .expect("run");
    assert_eq!(s.items, 3);
    assert_eq!(model.calls.len(), 1);
    assert_eq!(model.calls[0].len(), 3);
    assert_eq!(
        s.metrics,
        TaskMetrics::Accuracy {
            total: 3,
            correct: 1,
            parse_failures: 0,
            accuracy: 100.0 / 3.0
        }
    );
    // 10 items, 3 wanted: every 10/3-th from the first, by hand 0, 3, 6.
    let ids: Vec<String> = read_records(&out).into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["w0", "w3", "w6"]);
    // The summary keeps each scored item's outcome, in item order, for paired statistics.
    let kept: Vec<(&str, bool)> = s
        .outcomes
        .iter()
        .map(|o| match &o.outcome {
            xicl_eval::Outcome::Choice { correct, .. } => (o.id.as_str(), *correct),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(kept, [("w0", false), ("w3", true), ("w6", false)]);
    assert_eq!(
        xicl_eval::runner::spread(204, Some(5)),
        [0, 40, 81, 122, 163]
    );
    assert_eq!(xicl_eval::runner::spread(4, Some(9)), [0, 1, 2, 3]);
    assert_eq!(xicl_eval::runner::spread(4, None), [0, 1, 2, 3]);
}

#[test]
fn a_file_of_another_route_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bli.jsonl");
    let mut model = TableGen::new(&[]);
    run_task(
        &mut model,
        &bli(),
        &items(2),
        &PromptMode::Direct,
        &out,
        &opts(2),
    )
    .expect("direct");
    let bridge = PromptMode::Bridge(LangRef::new("fr", "Français"));
    let err = run_task(&mut model, &bli(), &items(2), &bridge, &out, &opts(2)).expect_err("mixing");
    assert!(
        matches!(
            &err,
            EvalError::RecordMismatch {
                line: 1,
                field: "route",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn outputs_of_another_prompt_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bli.jsonl");
    let mut model = TableGen::new(&[]);
    run_task(
        &mut model,
        &bli(),
        &items(2),
        &PromptMode::Direct,
        &out,
        &opts(2),
    )
    .expect("run");
    // same codes, another prompt name for the target
    let renamed = BliTask::new(LangRef::new("en", "English"), LangRef::new("de", "German"));
    let err = run_task(
        &mut model,
        &renamed,
        &items(2),
        &PromptMode::Direct,
        &out,
        &opts(2),
    )
    .expect_err("stale");
    assert!(
        matches!(
            &err,
            EvalError::RecordMismatch {
                line: 1,
                field: "prompts",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn corrupt_complete_line_names_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("bli.jsonl");
    let mut model = TableGen::new(&[]);
    run_task(
        &mut model,
        &bli(),
        &items(2),
        &PromptMode::Direct,
        &out,
        &opts(1),
    )
    .expect("run");
    let text = std::fs::read_to_string(&out).expect("read");
    std::fs::write(&out, format!("{text}not json\n")).expect("write");
    let err = run_task(
        &mut model,
        &bli(),
        &items(3),
        &PromptMode::Direct,
        &out,
        &opts(1),
    )
    .expect_err("corrupt");
    assert!(
        matches!(&err, EvalError::BadRecord { line: 3, .. }),
        "{err}"
    );
}

#[test]
fn input_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("x.jsonl");
    let mut model = TableGen::new(&[]);
    let mut dup = items(3);
    dup[2].source = "w0".into();
    let err = run_task(
        &mut model,
        &bli(),
        &dup,
        &PromptMode::Direct,
        &out,
        &opts(2),
    )
    .expect_err("dup");
    assert!(matches!(
        err,
        EvalError::DuplicateItem {
            first: 0,
            second: 2,
            ..
        }
    ));
    let to_de = PromptMode::Bridge(LangRef::new("de", "Deutsch"));
    let err =
        run_task(&mut model, &bli(), &items(3), &to_de, &out, &opts(2)).expect_err("endpoint");
    assert!(matches!(err, EvalError::BridgeIsEndpoint { .. }));
    let err = run_task(
        &mut model,
        &bli(),
        &items(3),
        &PromptMode::Direct,
        &out,
        &opts(0),
    )
    .expect_err("batch");
    assert!(matches!(err, EvalError::ZeroBatch));
    let err =
        run_task(&mut model, &bli(), &[], &PromptMode::Direct, &out, &opts(2)).expect_err("empty");
    assert!(matches!(err, EvalError::NoItems));

    struct Short;
    impl Generator for Short {
        fn generate(
            &mut self,
            p: &[String],
            _: usize,
            _: &[&str],
        ) -> Result<Vec<String>, GenerateError> {
            Ok(vec![String::new(); p.len() - 1])
        }
    }
    let err = run_task(
        &mut Short,
        &bli(),
        &items(3),
        &PromptMode::Direct,
        &out,
        &opts(2),
    )
    .expect_err("short");
    assert!(matches!(
        err,
        EvalError::OutputCount {
            expected: 2,
            got: 1,
            ..
        }
    ));
    // nothing was written for the failed batch
    assert!(read_records(&out).is_empty());
}

/// Translates by table and answers XCOPA prompts with "2"; records (prompt count, max tokens).
struct CopaGen {
    calls: Vec<(usize, usize)>,
}

impl Generator for CopaGen {
    fn generate(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        _: &[&str],
    ) -> Result<Vec<String>, GenerateError> {
        self.calls.push((prompts.len(), max_new_tokens));
        Ok(prompts
            .iter()
            .map(|p| {
                if p.starts_with("Translate") {
                    let text = p.lines().nth(1).unwrap_or_default();
                    format!(" EN({text})\n")
                } else {
                    " 2".to_owned()
                }
            })
            .collect())
    }
}

#[test]
fn bridged_xcopa_runs_two_steps_per_batch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("xcopa.jsonl");
    let task = XcopaTask::new(LangRef::new("sw", "kiswahili"));
    let items: Vec<XcopaItem> = (0..5)
        .map(|i| XcopaItem {
            idx: i,
            premise: format!("p{i}"),
            choice1: format!("a{i}"),
            choice2: format!("b{i}"),
            question: CopaQuestion::Cause,
            label: u8::from(i % 2 == 0),
        })
        .collect();
    let mode = PromptMode::Bridge(LangRef::new("en", "English"));
    let mut model = CopaGen { calls: Vec::new() };
    let s = run_task(&mut model, &task, &items, &mode, &out, &opts(2)).expect("run");
    // batches of 2, 2, 1 items: 3 translations per item, then one answer per item
    assert_eq!(
        model.calls,
        [(6, 128), (2, 5), (6, 128), (2, 5), (3, 128), (1, 5)]
    );
    // label 1 (choice2) for even idx: 0, 2, 4 -> 3 of 5 right
    assert_eq!(
        s.metrics,
        TaskMetrics::Accuracy {
            total: 5,
            correct: 3,
            parse_failures: 0,
            accuracy: 60.0
        }
    );
    let recs = read_records(&out);
    assert_eq!(recs[0].route, "bridge:en");
    assert_eq!(recs[0].prompts[0].len(), 3);
    assert!(recs[0].prompts[1][0].contains("Premise: EN(p0)\n"));
    assert_eq!(recs[0].outputs[1], [" 2"]);
}

/// Translates by table; scores a continuation by how often its text (trimmed) occurs in the
/// prompt's choice lines, so the option whose choice text mentions "right" wins; records the
/// pairs it was asked to score.
struct CopaScorer {
    pairs: Vec<(String, String)>,
    generated: usize,
}

impl Generator for CopaScorer {
    fn generate(
        &mut self,
        prompts: &[String],
        _: usize,
        _: &[&str],
    ) -> Result<Vec<String>, GenerateError> {
        self.generated += prompts.len();
        Ok(prompts
            .iter()
            .map(|p| format!(" {}\n", p.lines().nth(1).unwrap_or_default()))
            .collect())
    }

    fn loglik(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>, GenerateError> {
        self.pairs.extend(pairs.iter().cloned());
        Ok(pairs
            .iter()
            .map(|(p, o)| {
                let line = format!("{}:", o.trim());
                let right = p
                    .lines()
                    .any(|l| l.starts_with(&line) && l.contains("right"));
                if right { -0.5 } else { -3.0 }
            })
            .collect())
    }
}

#[test]
fn loglik_scoring_chooses_the_likeliest_option_and_records_the_scores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut task = XcopaTask::new(LangRef::new("sw", "kiswahili"));
    task.scoring = AnswerScoring::Loglik;
    assert_eq!(xicl_eval::Task::key(&task), "xcopa-loglik:sw");
    // The "right" choice is choice2 for items 0 and 1, choice1 for item 2; gold agrees except
    // for item 2, whose label says choice2.
    let items: Vec<XcopaItem> = (0..3)
        .map(|i| XcopaItem {
            idx: i,
            premise: format!("p{i}"),
            choice1: if i == 2 {
                "right".into()
            } else {
                format!("a{i}")
            },
            choice2: if i == 2 {
                format!("b{i}")
            } else {
                "right".into()
            },
            question: CopaQuestion::Effect,
            label: 1,
        })
        .collect();
    for (mode, translations) in [
        (PromptMode::Direct, 0),
        (PromptMode::Bridge(LangRef::new("en", "English")), 9),
    ] {
        let out = dir
            .path()
            .join(format!("{}.jsonl", mode.route()).replace(':', "-"));
        let mut model = CopaScorer {
            pairs: Vec::new(),
            generated: 0,
        };
        let s = run_task(&mut model, &task, &items, &mode, &out, &opts(2)).expect("run");
        assert_eq!(
            model.generated, translations,
            "{mode:?}: only translations generate"
        );
        // Two options per answer prompt, in the task's order, with a leading space.
        assert_eq!(model.pairs.len(), 6);
        assert_eq!(model.pairs[0].1, " 1");
        assert_eq!(model.pairs[1].1, " 2");
        assert_eq!(
            s.metrics,
            TaskMetrics::Accuracy {
                total: 3,
                correct: 2,
                parse_failures: 0,
                accuracy: 100.0 * 2.0 / 3.0
            }
        );
        let recs = read_records(&out);
        assert_eq!(recs[0].outputs.last().unwrap(), &[" 2"]);
        assert_eq!(recs[2].outputs.last().unwrap(), &[" 1"]);
        assert_eq!(recs[0].option_logprobs, [vec![-3.0, -0.5]]);
        assert_eq!(recs[2].option_logprobs, [vec![-0.5, -3.0]]);
        // Resuming scores from the file without asking the model again.
        let again = run_task(&mut model, &task, &items, &mode, &out, &opts(2)).expect("rerun");
        assert_eq!((again.generated, again.resumed), (0, 3));
        assert_eq!(again.metrics, s.metrics);
    }
}

/// A generator without likelihood scoring is refused with the task and step named.
#[test]
fn loglik_scoring_needs_a_scoring_generator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut task = XcopaTask::new(LangRef::new("sw", "kiswahili"));
    task.scoring = AnswerScoring::Loglik;
    let items = [XcopaItem {
        idx: 0,
        premise: "p".into(),
        choice1: "a".into(),
        choice2: "b".into(),
        question: CopaQuestion::Cause,
        label: 0,
    }];
    let mut model = CopaGen { calls: Vec::new() };
    let err = run_task(
        &mut model,
        &task,
        &items,
        &PromptMode::Direct,
        &dir.path().join("x.jsonl"),
        &opts(2),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("xcopa-loglik:sw") && err.contains("likelihood"),
        "{err}"
    );
    assert!("loglik".parse::<AnswerScoring>().unwrap() == AnswerScoring::Loglik);
    assert!(
        "sampled"
            .parse::<AnswerScoring>()
            .unwrap_err()
            .contains("generate or loglik")
    );
}

struct EchoMt {
    hyps: HashMap<String, String>,
}

impl Generator for EchoMt {
    fn generate(
        &mut self,
        prompts: &[String],
        _: usize,
        _: &[&str],
    ) -> Result<Vec<String>, GenerateError> {
        Ok(prompts
            .iter()
            .map(|p| format!(" {}\nmore", self.hyps[p.lines().nth(1).unwrap_or_default()]))
            .collect())
    }
}

#[test]
fn translation_run_scores_corpus_and_sentences() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("mt.jsonl");
    let task = MtTask::new(LangRef::new("en", "English"), LangRef::new("de", "Deutsch"));
    let data = [
        (
            "The house is small.",
            "Das Haus ist klein.",
            "Das Haus ist klein.",
        ),
        ("I like tea.", "Ich mag Tee.", "Ich trinke gern Tee."),
        ("It rains.", "Es regnet.", "Regen."),
    ];
    let items: Vec<MtItem> = data
        .iter()
        .enumerate()
        .map(|(i, (s, r, _))| MtItem {
            index: i,
            source: (*s).into(),
            reference: (*r).into(),
        })
        .collect();
    let mut model = EchoMt {
        hyps: data
            .iter()
            .map(|(s, _, h)| ((*s).to_owned(), (*h).to_owned()))
            .collect(),
    };
    let s = run_task(
        &mut model,
        &task,
        &items,
        &PromptMode::Direct,
        &out,
        &opts(2),
    )
    .expect("run");
    let hyps: Vec<&str> = data.iter().map(|d| d.2).collect();
    let refs: Vec<&str> = data.iter().map(|d| d.1).collect();
    let want = corpus_chrf(&hyps, &refs, &ChrfConfig::chrf_pp())
        .expect("chrf")
        .score;
    let TaskMetrics::Translation {
        segments,
        chrf_pp,
        empty_hypotheses,
        bleu,
        ..
    } = s.metrics.clone()
    else {
        panic!("{:?}", s.metrics);
    };
    assert_eq!((segments, empty_hypotheses), (3, 0));
    assert!((chrf_pp - want).abs() < 1e-12);
    assert_eq!(bleu.tokenizer.signature(), "13a");
    let recs = read_records(&out);
    assert_eq!(recs[0].prediction.as_deref(), Some("Das Haus ist klein."));
    assert_eq!(recs[0].chrf_pp, Some(100.0));
    assert!(recs[2].chrf_pp.is_some_and(|c| c < 50.0));
    // The kept outcomes rebuild the corpus score from per-item statistics.
    let m = xicl_eval::significance::CorpusMetric::Chrf(ChrfConfig::chrf_pp());
    let outcomes: Vec<xicl_eval::Outcome> = s.outcomes.iter().map(|o| o.outcome.clone()).collect();
    let t = xicl_eval::significance::ItemTable::from_outcomes(&m, &outcomes).expect("stats");
    assert_eq!(m.score(&t.total()).expect("score"), chrf_pp);
}
