//! `cargo xtask reproduce`: the whole study in one command (issue 5). For every language pair
//! it runs the method (`bridge`: statistics, probe, HSIC ranking), picks the FLORES-similarity
//! bridge, evaluates every task along every route (direct and each candidate bridge), and
//! aggregates the baselines of docs/METHOD.md §6 into `REPORT.md`, `results.json`, CSV files and
//! images under the output folder.
//!
//! Long and resumable: every stage goes through the cached artifacts of neuron-probe and the
//! per-item JSON Lines of xicl-eval, so a second invocation redoes nothing finished; a
//! generation memo under `runs/` answers a request that another pair already asked. The report
//! is rewritten (atomically) after each pair, so an interrupted run leaves a consistent partial
//! report. A pair or task that cannot run (no dictionary, a language the task's data lacks, a
//! failure) is recorded under "Skipped" and the run goes on.

pub mod across;
pub mod paired;
pub mod plan;
pub mod report;
pub mod results;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use cli::output::{ensure_dir, write_atomic, write_json};
use cli::{
    AppModel, BridgeOptions, EvalOptions, LanguagePair, PlotFormats, SimilarityOptions, TaskArg,
    bridge, eval_command, similarity_command, task_coverage,
};
use neuron_probe::{Inputs, RunContext, TextSelection, resolve_candidates};
use xicl_eval::{BaselineSpec, route_scores};

use results::{
    BridgeSummary, ChoiceConfidence, Nearest, PairResult, RESULTS_FORMAT, Results, Settings,
    SimilaritySummary, Skip, TaskResult,
};

/// What to run and where to write it.
#[derive(Debug, Clone)]
pub struct ReproduceOptions {
    pub pairs: Vec<LanguagePair>,
    pub tasks: Vec<TaskArg>,
    /// Items per task and route (`None` = all).
    pub limit: Option<usize>,
    /// FLORES devtest sentences per language for the statistics (`None` = all).
    pub stats_sentences: Option<usize>,
    pub probe_size: usize,
    /// Words the understanding filter judges at most (`None` = the whole train split).
    pub filter_max_words: Option<usize>,
    pub keep_collapsed_layers: bool,
    /// How XCOPA, SIB-200 and Belebele answers are read (default: likelihood).
    pub scoring: xicl_eval::AnswerScoring,
    /// Prompts per generation batch.
    pub batch_size: usize,
    pub out_dir: PathBuf,
    /// How the run was invoked, for the report.
    pub command: String,
    pub device: String,
    pub progress: bool,
}

impl ReproduceOptions {
    /// docs/METHOD.md's defaults over the 15 pairs and every task.
    pub fn new(out_dir: PathBuf) -> Self {
        ReproduceOptions {
            pairs: plan::pairs(None).expect("the built-in pairs parse"),
            tasks: plan::ALL_TASKS.to_vec(),
            limit: None,
            stats_sentences: None,
            probe_size: neuron_probe::ProbeParams::default().probe_size,
            filter_max_words: None,
            keep_collapsed_layers: false,
            scoring: xicl_eval::AnswerScoring::Loglik,
            batch_size: 16,
            out_dir,
            command: "cargo xtask reproduce".into(),
            device: "cpu".into(),
            progress: true,
        }
    }

    fn settings(&self) -> Settings {
        Settings {
            command: self.command.clone(),
            device: self.device.clone(),
            tasks: self.tasks.iter().map(|t| t.name().to_string()).collect(),
            limit: self.limit,
            limit_spread: true,
            stats_sentences: self.stats_sentences,
            probe_size: self.probe_size,
            filter_max_words: self.filter_max_words,
            keep_collapsed_layers: self.keep_collapsed_layers,
            scoring: self.scoring,
        }
    }

    fn text(&self) -> TextSelection {
        TextSelection {
            max_sentences: self.stats_sentences,
            ..TextSelection::default()
        }
    }
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn chain(e: &anyhow::Error) -> String {
    format!("{e:#}")
}

/// Every language the pairs and their candidate bridges involve, in registry order.
fn languages_of(pairs: &[LanguagePair]) -> anyhow::Result<Vec<&'static str>> {
    let mut wanted: Vec<&'static str> = Vec::new();
    for p in pairs {
        let (s, t) = (p.source.code, p.target.code);
        wanted.push(s);
        wanted.push(t);
        wanted.extend(resolve_candidates(s, t, &[])?);
    }
    Ok(langs::all()
        .iter()
        .map(|l| l.code)
        .filter(|c| wanted.contains(c))
        .collect())
}

fn similarity_step<M: AppModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    ctx: &RunContext,
    opts: &ReproduceOptions,
) -> anyhow::Result<(SimilaritySummary, overlap::SimilarityMatrices)> {
    let languages = languages_of(&opts.pairs)?;
    let sim_opts = SimilarityOptions {
        languages: languages.iter().map(|s| s.to_string()).collect(),
        text: opts.text(),
        out_dir: Some(opts.out_dir.join("similarity")),
        plots: PlotFormats {
            png: true,
            svg: false,
        },
        ..SimilarityOptions::default()
    };
    let outcome = similarity_command(model, inputs, ctx, &sim_opts)?;
    let family = |c: &str| langs::get(c).map_or(String::new(), |l| l.family.to_string());
    let summary = SimilaritySummary {
        languages: outcome.matrices.languages.clone(),
        overlap: outcome.matrices.overlap.clone(),
        cosine: outcome.matrices.cosine.clone(),
        nearest: outcome
            .languages
            .iter()
            .map(|l| Nearest {
                language: l.language.clone(),
                family: l.family.clone(),
                nearest: l.nearest_by_overlap.clone(),
                nearest_family: l.nearest_by_overlap.as_deref().map(family),
            })
            .collect(),
        images: outcome
            .files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "png"))
            .map(|f| rel(&opts.out_dir, f))
            .collect(),
    };
    Ok((summary, outcome.matrices))
}

fn bridge_step<M: AppModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    ctx: &RunContext,
    opts: &ReproduceOptions,
    pair: &LanguagePair,
) -> anyhow::Result<(BridgeSummary, Vec<String>)> {
    let mut b = BridgeOptions::new(*pair);
    b.params.text = opts.text();
    b.params.probe.probe_size = opts.probe_size;
    // A probe smaller than the filter's minimum (quick runs) lowers the minimum to its size;
    // a minimum the probe cannot reach would be refused.
    b.params.probe.min_survivors = b.params.probe.min_survivors.min(opts.probe_size);
    b.params.probe.max_candidates = opts.filter_max_words;
    b.params.probe.batch_size = opts.batch_size;
    b.params.bridge.hsic.keep_degenerate_layers = opts.keep_collapsed_layers;
    b.out_dir = Some(opts.out_dir.join("pairs").join(pair.label()));
    b.plots = PlotFormats {
        png: true,
        svg: false,
    };
    let outcome = bridge(model, inputs, ctx, &b)?;
    let r = &outcome.report;
    let score_of = |c: &str| {
        r.candidates
            .iter()
            .find(|k| k.language == c)
            .and_then(|k| k.score)
    };
    let summary = BridgeSummary {
        chosen: r.chosen.clone(),
        ranking: r.ranking.iter().map(|c| (c.clone(), score_of(c))).collect(),
        collapsed_layers: r.candidates.iter().map(|c| c.degenerate_skipped).sum(),
        dictionary: format!("{} {}", r.probe.dictionary_origin, r.probe.dictionary_split),
        filter_survived: r.probe.survived,
        filter_judged: r.probe.candidates_considered,
        filter_fell_back: r.probe.fell_back,
        probe_samples: r.probe.samples,
        image: outcome
            .files
            .iter()
            .find(|f| f.extension().is_some_and(|e| e == "png"))
            .map(|f| rel(&opts.out_dir, f)),
        confidence: r.confidence.as_ref().map(|c| {
            let chosen = r
                .chosen
                .as_deref()
                .and_then(|k| c.candidates.iter().find(|x| x.language == k));
            ChoiceConfidence {
                replicates: c.replicates,
                win_rate: chosen.map_or(0.0, |x| x.win_rate),
                interval: chosen.and_then(|x| x.interval),
                clear: matches!(c.verdict, neuron_probe::Verdict::Clear { .. }),
                uncertain_between: match &c.verdict {
                    neuron_probe::Verdict::Uncertain { between } => between.clone(),
                    _ => Vec::new(),
                },
            }
        }),
    };
    let candidates = r.candidates.iter().map(|c| c.language.clone()).collect();
    Ok((summary, candidates))
}

fn task_step<M: AppModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    opts: &ReproduceOptions,
    pair: &LanguagePair,
    task: TaskArg,
    spec: &BaselineSpec,
) -> anyhow::Result<TaskResult> {
    let mut e = EvalOptions::new(*pair, task, opts.out_dir.join("runs").join(pair.label()));
    e.routes = spec.routes();
    e.limit = opts.limit;
    e.batch_size = opts.batch_size;
    e.scoring = opts.scoring;
    e.progress = opts.progress;
    e.memo = Some(memo_path(&opts.out_dir, &model.identity()));
    let outcome = eval_command(model, inputs, &e)?;
    let scores = route_scores(&outcome.runs, None)?;
    let report = spec.aggregate(&scores)?;
    let statistics = paired::task_statistics(&outcome.runs, spec, pair.target.code)
        .context("paired statistics over the items")?;
    Ok(TaskResult::from_runs(
        task.name().to_string(),
        outcome.task,
        &outcome.runs,
        report.rows,
        statistics,
    ))
}

/// The generation memo every task of every pair shares: pairs with one source language
/// translate the same sentences into the same bridges, pairs with one target language ask the
/// same XCOPA and SIB-200 questions. One file per model digest and precision.
fn memo_path(out_dir: &Path, id: &neuron_probe::ModelIdentity) -> PathBuf {
    let digest: String = id
        .digest
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    out_dir
        .join("runs")
        .join(format!("generations-{digest}-{}.jsonl", id.precision))
}

/// `results` with its across-pair statistics computed from its pairs.
pub fn with_across(mut results: Results) -> anyhow::Result<Results> {
    results.across = Some(
        across::summarise(&results.settings.tasks, &results.pairs)
            .context("statistics across pairs")?,
    );
    Ok(results)
}

/// Write `results.json`, the CSV files and `REPORT.md` (each atomically), the across-pair
/// statistics recomputed from the pairs first.
pub fn write_outputs(results: &Results, out_dir: &Path) -> anyhow::Result<()> {
    ensure_dir(out_dir)?;
    let results = &with_across(results.clone())?;
    write_json(&out_dir.join("results.json"), results)?;
    write_atomic(&out_dir.join("scores.csv"), &results::scores_csv(results)?)?;
    write_atomic(
        &out_dir.join("statistics.csv"),
        &results::statistics_csv(results)?,
    )?;
    write_atomic(
        &out_dir.join("rankings.csv"),
        &results::rankings_csv(results)?,
    )?;
    write_atomic(
        &out_dir.join("REPORT.md"),
        report::render(results).as_bytes(),
    )?;
    Ok(())
}

/// Run the study; see the module docs.
pub fn reproduce<M: AppModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    ctx: &RunContext,
    opts: &ReproduceOptions,
) -> anyhow::Result<Results> {
    let started = Instant::now();
    if opts.pairs.is_empty() || opts.tasks.is_empty() {
        anyhow::bail!("nothing to run: give at least one pair and one task");
    }
    if opts.batch_size == 0 {
        anyhow::bail!("--batch-size must be at least 1");
    }
    ensure_dir(&opts.out_dir)?;
    let mut results = Results {
        format: RESULTS_FORMAT.into(),
        model: model.identity(),
        settings: opts.settings(),
        similarity: None,
        pairs: Vec::new(),
        skipped: Vec::new(),
        seconds: 0.0,
        complete: false,
        across: None,
    };
    let n = opts.pairs.len();
    eprintln!(
        "reproduce: {} × tasks {} → {}",
        plan::describe_pairs(&opts.pairs),
        results.settings.tasks.join(","),
        opts.out_dir.display()
    );

    eprintln!("[similarity] language statistics and neuron-set similarity");
    let matrices = match similarity_step(model, inputs, ctx, opts) {
        Ok((summary, m)) => {
            results.similarity = Some(summary);
            Some(m)
        }
        Err(e) => {
            eprintln!("[similarity] skipped: {}", chain(&e));
            results.skipped.push(Skip {
                what: "similarity".into(),
                reason: chain(&e),
            });
            None
        }
    };

    for (i, pair) in opts.pairs.iter().enumerate() {
        let label = pair.label();
        let (s, t) = (pair.source, pair.target);
        let mut pr = pending(pair);
        eprintln!("[{}/{n} {label}] bridge ranking", i + 1);
        match bridge_step(model, inputs, ctx, opts, pair) {
            Err(e) => {
                eprintln!("[{}/{n} {label}] skipped: {}", i + 1, chain(&e));
                results.skipped.push(Skip {
                    what: label.clone(),
                    reason: chain(&e),
                });
            }
            Ok((summary, candidates)) => {
                let cand_refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
                pr.flores_choice = matrices
                    .as_ref()
                    .and_then(|m| m.most_similar(t.code, &cand_refs));
                let spec = BaselineSpec {
                    endpoints: vec![s.code.into(), t.code.into()],
                    candidates: candidates.clone(),
                    hsic_choice: summary.chosen.clone(),
                    flores_choice: pr.flores_choice.clone(),
                };
                eprintln!(
                    "[{}/{n} {label}] HSIC chose {}, FLORES similarity {}",
                    i + 1,
                    summary.chosen.as_deref().unwrap_or("nothing"),
                    pr.flores_choice.as_deref().unwrap_or("nothing")
                );
                pr.bridge = Some(summary);
                for &task in &opts.tasks {
                    let what = format!("{label}/{}", task.name());
                    if let Some(why) = task_coverage(task, pair) {
                        results.skipped.push(Skip { what, reason: why });
                        continue;
                    }
                    eprintln!(
                        "[{}/{n} {label}] {} along {} routes",
                        i + 1,
                        task.name(),
                        spec.routes().len()
                    );
                    match task_step(model, inputs, opts, pair, task, &spec) {
                        Ok(r) => pr.tasks.push(r),
                        Err(e) => {
                            eprintln!(
                                "[{}/{n} {label}] {} skipped: {}",
                                i + 1,
                                task.name(),
                                chain(&e)
                            );
                            results.skipped.push(Skip {
                                what,
                                reason: chain(&e),
                            });
                        }
                    }
                }
            }
        }
        results.pairs.push(pr);
        // A consistent partial report after every pair; pending pairs are listed as such.
        let mut partial = results.clone();
        for p in &opts.pairs[i + 1..] {
            partial.pairs.push(pending(p));
        }
        partial.seconds = started.elapsed().as_secs_f64();
        write_outputs(&partial, &opts.out_dir)
            .with_context(|| format!("writing the report under {}", opts.out_dir.display()))?;
    }
    results.seconds = started.elapsed().as_secs_f64();
    results.complete = true;
    let results = with_across(results)?;
    write_outputs(&results, &opts.out_dir)?;
    Ok(results)
}

/// A pair's entry before anything has run for it.
fn pending(p: &LanguagePair) -> PairResult {
    PairResult {
        pair: p.label(),
        source: p.source.code.into(),
        target: p.target.code.into(),
        families: (p.source.family.into(), p.target.family.into()),
        tiers: (p.source.tier.as_str().into(), p.target.tier.as_str().into()),
        bridge: None,
        flores_choice: None,
        tasks: Vec::new(),
    }
}

/// One line per pair for the terminal: the choice and, per task, HSIC-chosen minus direct.
pub fn render_summary(r: &Results) -> String {
    let mut header: Vec<String> = vec!["pair".into(), "HSIC".into(), "FLORES".into()];
    header.extend(
        r.settings
            .tasks
            .iter()
            .map(|t| format!("{t}: HSIC − direct")),
    );
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = cli::table::table(&header_refs, 3);
    for p in &r.pairs {
        let mut row = vec![
            p.pair.clone(),
            p.bridge
                .as_ref()
                .and_then(|b| b.chosen.clone())
                .unwrap_or_else(|| "–".into()),
            p.flores_choice.clone().unwrap_or_else(|| "–".into()),
        ];
        for name in &r.settings.tasks {
            let cell = p
                .tasks
                .iter()
                .find(|t| &t.task == name)
                .and_then(|t| {
                    let d = t.score(&xicl_eval::Baseline::HsicChosen)?
                        - t.score(&xicl_eval::Baseline::Direct)?;
                    Some(format!("{d:+.1}"))
                })
                .unwrap_or_else(|| "–".into());
            row.push(cell);
        }
        table.add_row(row);
    }
    format!(
        "{table}\n{} skipped (see REPORT.md); {:.1} min\n",
        r.skipped.len(),
        r.seconds / 60.0
    )
}
