//! `bridgex eval --pair SRC-TGT --task T --route ...`: downstream tasks (docs/METHOD.md §6) through
//! xicl-eval's runner, direct or bridged, one resumable JSON Lines file per task and route.
//!
//! What a pair means per task: BLI and MT go SRC → TGT (BLI on the dictionary's test split,
//! MT on FLORES-200 devtest); XCOPA and SIB-200 are in TGT (the low-resource side); Belebele
//! has its passage in TGT and question and options in SRC.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use fetch::DataStore;
use muse_dict::Split;
use neuron_probe::Inputs;
use serde::{Deserialize, Serialize};
use xicl_eval::{
    AnswerScoring, BELEBELE_ITEMS, BelebeleItem, BelebeleTask, BliItem, BliTask, CopaQuestion,
    Generator, LangRef, MemoGenerator, MtBridgeStyle, MtItem, MtTask, PromptMode, Route,
    RunOptions, RunSummary, SibItem, SibTask, Task, XcopaItem, XcopaTask, run_task,
};

use crate::app::AppEnv;
use crate::app::AppModel;
use crate::args::{LanguagePair, TaskArg};
use crate::args::{ModelArgs, MtStyleArg, OutArgs, RouteArg, ScoringArg};
use crate::commands::common::{
    describe_inputs, describe_model, file_safe, finish_run, language_label, start_run,
};
use crate::generator::ModelGenerator;
use crate::output::print_outcome;
use crate::output::{write_atomic, write_json};
use crate::summary::RunInfo;
use crate::table;

/// `bridgex eval`: a downstream task, directly or through bridge languages.
#[derive(clap::Args, Debug)]
// A negative number is a value to check (`--top-rate -0.1`), not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// The language pair, SRC-TGT (BLI and MT: SRC→TGT; XCOPA, SIB-200: in TGT; Belebele:
    /// passage in TGT, question in SRC)
    #[arg(long, value_name = "SRC-TGT")]
    pub pair: LanguagePair,
    /// The task
    #[arg(long, value_enum)]
    pub task: TaskArg,
    /// Routes: `direct` and/or `bridge:XX` (repeatable or comma-separated)
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "direct",
        value_name = "ROUTE"
    )]
    pub route: Vec<RouteArg>,
    /// Evaluate only N items, spread evenly over the task's items (quick runs)
    /// [default: all; Belebele the first 500]
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Items per generation batch
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub batch_size: usize,
    /// How the bridge text enters the final MT prompt
    #[arg(long, value_enum, default_value_t)]
    pub mt_style: MtStyleArg,
    /// How XCOPA, SIB-200 and Belebele answers are read: the likeliest option (default), or
    /// generated and parsed
    #[arg(long, value_enum, default_value_t)]
    pub scoring: ScoringArg,
    /// Answer requests the model has answered before from this file, and add new answers to
    /// it (one file per model and precision; `reproduce` keeps one under its runs/)
    #[arg(long, value_name = "FILE")]
    pub memo: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

pub fn run(args: Args, env: &AppEnv) -> anyhow::Result<()> {
    let data = env.data()?;
    let mut opts = EvalOptions::new(args.pair, args.task, args.out.out.clone());
    opts.routes = args.route.iter().map(|r| r.0.clone()).collect();
    opts.limit = args.limit;
    opts.batch_size = args.batch_size;
    opts.mt_style = args.mt_style.into();
    opts.scoring = args.scoring.into();
    opts.memo = args.memo.clone();
    opts.progress = !env.quiet;
    let ctx = env.ctx().ok();
    let mut model = env.model(&args.model, ctx.as_ref())?;
    let outcome = eval_command(&mut model, &data, &opts)?;
    print_outcome(args.out.format, &outcome, render_eval)?;
    env.finish(&outcome.run, &outcome.files);
    Ok(())
}

#[derive(Debug, Clone)]
pub struct EvalOptions {
    pub pair: LanguagePair,
    pub task: TaskArg,
    /// Routes in order; empty = `direct` only.
    pub routes: Vec<Route>,
    /// N items spread evenly over the task's items (`None` = all; Belebele: the first 500).
    pub limit: Option<usize>,
    /// Items per generator batch.
    pub batch_size: usize,
    pub mt_style: MtBridgeStyle,
    /// How XCOPA, SIB-200 and Belebele answers are read (default: likelihood).
    pub scoring: AnswerScoring,
    /// Where the JSON Lines outputs and the summary go (required: the runner resumes from them).
    pub out_dir: PathBuf,
    /// A generation memo file ([`xicl_eval::memo`]) shared with other runs of the same model
    /// and precision; `None` = every request goes to the model.
    pub memo: Option<PathBuf>,
    pub progress: bool,
}

impl EvalOptions {
    pub fn new(pair: LanguagePair, task: TaskArg, out_dir: PathBuf) -> Self {
        EvalOptions {
            pair,
            task,
            routes: vec![Route::Direct],
            limit: None,
            batch_size: 16,
            mt_style: MtBridgeStyle::Pivot,
            // lm-evaluation-harness style: the likeliest option (docs/METHOD.md §6.7)
            scoring: AnswerScoring::Loglik,
            out_dir,
            memo: None,
            progress: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalOutcome {
    pub format: String,
    pub task: String,
    pub pair: String,
    pub items_available: usize,
    pub runs: Vec<RunSummary>,
    pub model: neuron_probe::ModelIdentity,
    pub run: RunInfo,
    #[serde(skip)]
    pub files: Vec<PathBuf>,
}

pub const EVAL_FORMAT: &str = "bridgex-eval/1";

fn lang_ref(code: &str) -> anyhow::Result<LangRef> {
    let l = langs::get(code)?;
    Ok(LangRef::new(l.code, l.native_name))
}

fn mode_of(route: &Route) -> anyhow::Result<PromptMode> {
    Ok(match route {
        Route::Direct => PromptMode::Direct,
        Route::Bridge(code) => PromptMode::Bridge(lang_ref(code)?),
    })
}

fn store_of<'a>(inputs: &'a dyn Inputs, task: &str) -> anyhow::Result<&'a DataStore> {
    inputs.store().ok_or_else(|| {
        anyhow!(
            "the {task} task reads its files from the data store, which these inputs ({}) do not have",
            describe_inputs(inputs)
        )
    })
}

/// Run `items` of `task` along every route; one output file per route.
fn run_routes<T: Task, M: AppModel + ?Sized>(
    model: &mut M,
    task: &T,
    items: &[T::Item],
    opts: &EvalOptions,
    limit: Option<usize>,
) -> anyhow::Result<Vec<RunSummary>> {
    let routes = if opts.routes.is_empty() {
        vec![Route::Direct]
    } else {
        opts.routes.clone()
    };
    let dir = opts.out_dir.join("eval");
    let mut summaries = Vec::with_capacity(routes.len());
    // Results and memo entries name the model that made them, and are reused only by it.
    let identity = model.identity();
    let model_key = format!("{} {}", identity.digest, identity.precision);
    let mut generator: Box<dyn Generator + '_> = match &opts.memo {
        Some(path) => Box::new(
            MemoGenerator::open(ModelGenerator::new(model), path, &model_key)
                .with_context(|| format!("opening the generation memo {}", path.display()))?,
        ),
        None => Box::new(ModelGenerator::new(model)),
    };
    for route in &routes {
        let mode = mode_of(route)?;
        let file = dir.join(format!(
            "{}-{}.jsonl",
            file_safe(&task.key().replace(':', "-")),
            file_safe(&route.to_string().replace(':', "-"))
        ));
        let run_opts = RunOptions {
            batch_size: opts.batch_size,
            limit,
            progress: opts.progress,
            model_digest: identity.digest.clone(),
            precision: identity.precision.clone(),
        };
        let summary = run_task(generator.as_mut(), task, items, &mode, &file, &run_opts)
            .with_context(|| format!("{} along route {route}", task.key()))?;
        summaries.push(summary);
    }
    Ok(summaries)
}

fn bli_items(inputs: &dyn Inputs, s: &str, t: &str) -> anyhow::Result<Vec<BliItem>> {
    let dict = inputs.dictionary(s, t, Split::Test)?;
    // One item per unique source word (the runner refuses duplicates), targets merged.
    let mut order: Vec<String> = Vec::new();
    let mut targets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in dict.entries {
        let slot = targets.entry(e.source.clone()).or_insert_with(|| {
            order.push(e.source.clone());
            Vec::new()
        });
        for t in e.targets {
            if !slot.contains(&t) {
                slot.push(t);
            }
        }
    }
    Ok(order
        .into_iter()
        .map(|source| {
            let targets = targets.remove(&source).unwrap_or_default();
            BliItem { source, targets }
        })
        .collect())
}

fn mt_items(inputs: &dyn Inputs, s: &str, t: &str) -> anyhow::Result<Vec<MtItem>> {
    let src = inputs.flores(s)?;
    let trg = inputs.flores(t)?;
    if src.len() != trg.len() {
        bail!(
            "FLORES-200 devtest of `{s}` has {} sentences and of `{t}` {}: the files are not parallel",
            src.len(),
            trg.len()
        );
    }
    Ok(src
        .into_iter()
        .zip(trg)
        .enumerate()
        .map(|(index, (source, reference))| MtItem {
            index,
            source,
            reference,
        })
        .collect())
}

/// XCOPA languages of the data layout.
const XCOPA_LANGUAGES: [&str; 11] = [
    "et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh",
];

fn xcopa_items(store: &DataStore, lang: &str) -> anyhow::Result<Vec<XcopaItem>> {
    let rel = corpora::xcopa::split_rel(lang, "test");
    let mut items = corpora::xcopa::read(
        &store
            .file(&rel)
            .with_context(|| format!("fetching {rel}"))?,
    )?;
    if lang != "zh" {
        // The cause/effect field is wrong upstream in several languages; zh is consistent.
        let zh_rel = corpora::xcopa::split_rel("zh", "test");
        let reference = corpora::xcopa::read(&store.file(&zh_rel)?)?;
        let fixed = corpora::xcopa::fix_questions(&mut items, &reference)
            .with_context(|| format!("fixing the XCOPA questions of `{lang}` from zh"))?;
        if fixed > 0 {
            tracing::info!("XCOPA {lang}: {fixed} question fields corrected from zh");
        }
    }
    Ok(items
        .into_iter()
        .map(|i| XcopaItem {
            idx: i.idx,
            premise: i.premise,
            choice1: i.choice1,
            choice2: i.choice2,
            question: match i.question {
                corpora::xcopa::Question::Cause => CopaQuestion::Cause,
                corpora::xcopa::Question::Effect => CopaQuestion::Effect,
            },
            label: i.label,
        })
        .collect())
}

fn sib_items(store: &DataStore, lang: &str) -> anyhow::Result<(Vec<String>, Vec<SibItem>)> {
    let flores = langs::get(lang)?.flores;
    let labels_path = store.file(corpora::sib200::LABELS_REL)?;
    let labels = corpora::sib200::read_labels(&labels_path)?;
    let rel = corpora::sib200::split_rel(flores, "test");
    let items = corpora::sib200::read(
        &store
            .file(&rel)
            .with_context(|| format!("fetching {rel}"))?,
    )?;
    Ok((
        labels,
        items
            .into_iter()
            .map(|i| SibItem {
                index_id: i.index_id,
                text: i.text,
                category: i.category,
            })
            .collect(),
    ))
}

/// Belebele languages of the data layout.
const BELEBELE_LANGUAGES: [&str; 2] = ["en", "de"];

fn belebele_items(
    store: &DataStore,
    passage_lang: &str,
    question_lang: &str,
) -> anyhow::Result<Vec<BelebeleItem>> {
    let read = |code: &str| -> anyhow::Result<Vec<corpora::belebele::BelebeleItem>> {
        let rel = corpora::belebele::rel(langs::get(code)?.flores);
        Ok(corpora::belebele::read(
            &store
                .file(&rel)
                .with_context(|| format!("fetching {rel}"))?,
        )?)
    };
    let passages = read(passage_lang)?;
    let questions = read(question_lang)?;
    let by_key: BTreeMap<(&str, u32), &corpora::belebele::BelebeleItem> = passages
        .iter()
        .map(|p| ((p.link.as_str(), p.question_number), p))
        .collect();
    let mut out = Vec::with_capacity(questions.len());
    for q in &questions {
        let Some(p) = by_key.get(&(q.link.as_str(), q.question_number)) else {
            bail!(
                "Belebele: question {} #{} of `{question_lang}` has no passage in `{passage_lang}`",
                q.link,
                q.question_number
            );
        };
        out.push(BelebeleItem {
            link: q.link.clone(),
            question_number: q.question_number,
            passage: p.flores_passage.clone(),
            question: q.question.clone(),
            options: q.answers.clone(),
            correct: q.correct,
        });
    }
    Ok(out)
}

/// Why `task` cannot run for `pair` on the data this project fetches (a language the task's
/// dataset lacks), or `None` when the languages are covered. Checked before any model work, so
/// `cargo xtask reproduce` can report the combination as skipped rather than failed.
pub fn task_coverage(task: TaskArg, pair: &LanguagePair) -> Option<String> {
    let (s, t) = (pair.source.code, pair.target.code);
    match task {
        TaskArg::Bli | TaskArg::Mt | TaskArg::Sib => None,
        TaskArg::Xcopa => (!XCOPA_LANGUAGES.contains(&t)).then(|| {
            format!(
                "XCOPA has no `{t}`; its languages are {} (use a pair whose target is one of them)",
                XCOPA_LANGUAGES.join(", ")
            )
        }),
        TaskArg::Belebele => [t, s]
            .into_iter()
            .find(|l| !BELEBELE_LANGUAGES.contains(l))
            .map(|l| {
                format!(
                    "Belebele is available for {} only, not `{l}` (other languages need the Hugging Face dataset facebook/belebele)",
                    BELEBELE_LANGUAGES.join(" and ")
                )
            }),
    }
}

/// The tasks whose data covers language `code`: BLI (a dictionary from English), MT (FLORES-200
/// devtest), XCOPA, SIB-200 and Belebele, as the data manifest and the task files have them.
pub fn language_tasks(code: &str) -> Vec<&'static str> {
    let Ok(lang) = langs::get(code) else {
        return Vec::new();
    };
    let manifest = fetch::Manifest::embedded().ok();
    let has_file = |rel: String| manifest.as_ref().is_some_and(|m| m.get(&rel).is_ok());
    let other = if lang.code == "en" { "de" } else { "en" };
    let mut tasks = Vec::new();
    if muse_dict::plan_pair(other, lang.code, Split::Test).is_ok() {
        tasks.push("bli");
    }
    if has_file(corpora::flores::devtest_rel(lang.flores)) {
        tasks.push("mt");
    }
    if XCOPA_LANGUAGES.contains(&lang.code) {
        tasks.push("xcopa");
    }
    if has_file(corpora::sib200::split_rel(lang.flores, "test")) {
        tasks.push("sib");
    }
    if BELEBELE_LANGUAGES.contains(&lang.code) {
        tasks.push("belebele");
    }
    tasks
}

pub fn eval_command<M: AppModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    opts: &EvalOptions,
) -> anyhow::Result<EvalOutcome> {
    if let Some(why) = task_coverage(opts.task, &opts.pair) {
        bail!(why);
    }
    let (mut run, started) = start_run("eval", Some(&*model), Some(inputs), None);
    let (s, t) = (opts.pair.source.code, opts.pair.target.code);
    if opts.batch_size == 0 {
        bail!("--batch-size must be at least 1");
    }
    // A directory that cannot take the results fails now, not after the computation.
    crate::output::ensure_dir(&opts.out_dir.join("eval"))?;
    let (task_key, items_available, runs) = match opts.task {
        TaskArg::Bli => {
            let task = BliTask::new(lang_ref(s)?, lang_ref(t)?);
            let items = bli_items(inputs, s, t)?;
            let runs = run_routes(model, &task, &items, opts, opts.limit)?;
            (task.key(), items.len(), runs)
        }
        TaskArg::Mt => {
            let mut task = MtTask::new(lang_ref(s)?, lang_ref(t)?);
            task.bridge_style = opts.mt_style;
            let items = mt_items(inputs, s, t)?;
            let runs = run_routes(model, &task, &items, opts, opts.limit)?;
            (task.key(), items.len(), runs)
        }
        TaskArg::Xcopa => {
            let mut task = XcopaTask::new(lang_ref(t)?);
            task.scoring = opts.scoring;
            let items = xcopa_items(store_of(inputs, "XCOPA")?, t)?;
            let runs = run_routes(model, &task, &items, opts, opts.limit)?;
            (task.key(), items.len(), runs)
        }
        TaskArg::Sib => {
            let (labels, items) = sib_items(store_of(inputs, "SIB-200")?, t)?;
            let mut task = SibTask::new(lang_ref(t)?, labels);
            task.scoring = opts.scoring;
            let runs = run_routes(model, &task, &items, opts, opts.limit)?;
            (task.key(), items.len(), runs)
        }
        TaskArg::Belebele => {
            let mut task = BelebeleTask::new(lang_ref(t)?, lang_ref(s)?);
            task.scoring = opts.scoring;
            let mut items = belebele_items(store_of(inputs, "Belebele")?, t, s)?;
            // docs/METHOD.md §6 evaluates the first 500; a quick run's limit samples those.
            let available = items.len();
            items.truncate(BELEBELE_ITEMS);
            let runs = run_routes(model, &task, &items, opts, opts.limit)?;
            (task.key(), available, runs)
        }
    };
    finish_run(&mut run, started, &*model);
    let mut outcome = EvalOutcome {
        format: EVAL_FORMAT.to_string(),
        task: task_key,
        pair: opts.pair.label(),
        items_available,
        runs,
        model: model.identity(),
        run,
        files: Vec::new(),
    };
    outcome.files = outcome.runs.iter().map(|r| r.output.clone()).collect();
    let summary = summary_path(&opts.out_dir, &outcome.task);
    write_json(&summary, &outcome)?;
    let txt = summary.with_extension("txt");
    write_atomic(&txt, render_eval(&outcome).as_bytes())?;
    outcome.files.push(summary);
    outcome.files.push(txt);
    Ok(outcome)
}

fn summary_path(dir: &Path, task_key: &str) -> PathBuf {
    dir.join(format!(
        "eval-{}.json",
        file_safe(&task_key.replace(':', "-"))
    ))
}

pub fn render_eval(o: &EvalOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Evaluation {} ({} items available)",
        o.task, o.items_available
    );
    let _ = writeln!(out, "model: {}", describe_model(&o.model));
    let _ = writeln!(out);
    let mut names: Vec<&str> = Vec::new();
    for r in &o.runs {
        for (n, _) in r.metrics.named() {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let mut header = vec!["route", "bridge", "items", "generated", "resumed"];
    header.extend(names.iter().copied());
    header.push("parse failures");
    let mut t = table::table(&header, 2);
    for r in &o.runs {
        let bridge = match &r.route {
            Route::Direct => "-".to_string(),
            Route::Bridge(c) => language_label(c),
        };
        let mut row = vec![
            r.route.to_string(),
            bridge,
            r.items.to_string(),
            r.generated.to_string(),
            r.resumed.to_string(),
        ];
        for n in &names {
            row.push(
                r.metrics
                    .get(n)
                    .map_or_else(|| "-".into(), |v| format!("{v:.2}")),
            );
        }
        row.push(match &r.metrics {
            xicl_eval::TaskMetrics::Accuracy { parse_failures, .. } => parse_failures.to_string(),
            xicl_eval::TaskMetrics::Translation {
                empty_hypotheses, ..
            } => format!("{empty_hypotheses} empty"),
        });
        t.add_row(row);
    }
    let _ = writeln!(out, "{t}");
    let _ = writeln!(out, "Outputs per item:");
    for r in &o.runs {
        let _ = writeln!(out, "  {}: {}", r.route, r.output.display());
    }
    out
}
