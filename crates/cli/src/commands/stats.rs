//! `bridgex stats --lang XX[,YY]`: the statistics stage alone (cached), with a summary of
//! activation probabilities and set sizes per language and layer.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use neuron_probe::{
    GenericNeurons, Inputs, LanguageStats, ModelIdentity, RunContext, SetMethod, StatsParams,
    TextSelection, language_sets,
};
use serde::{Deserialize, Serialize};

use crate::app::AppEnv;
use crate::app::AppModel;
use crate::args::{Lang, ModelArgs, OutArgs, SetArgs, SiteArgs, TextArgs};
use crate::commands::common::{
    describe_model, describe_sets, finish_run, language_label, start_run,
};
use crate::output::print_outcome;
use crate::output::{write_atomic, write_json};
use crate::summary::RunInfo;
use crate::table;

/// `bridgex stats`: compute (or load) the FLORES-200 neuron statistics of languages.
#[derive(clap::Args, Debug)]
// A negative number is a value to check (`--top-rate -0.1`), not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// Languages, comma-separated, e.g. en,sw
    #[arg(long, value_delimiter = ',', required = true, value_name = "CODES")]
    pub lang: Vec<Lang>,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub text: TextArgs,
    #[command(flatten)]
    pub site: SiteArgs,
    #[command(flatten)]
    pub sets: SetArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

pub fn run(args: Args, env: &AppEnv) -> anyhow::Result<()> {
    let ctx = env.ctx()?;
    let data = env.data()?;
    let mut opts = StatsOptions::new(args.lang.iter().map(|l| l.code().to_string()).collect());
    opts.text = args.text.selection();
    opts.stats = args.text.stats_params(&args.site)?;
    opts.sets = args.sets.method()?;
    opts.generic = args.sets.generic()?;
    opts.out_dir = Some(args.out.out.clone());
    let mut model = env.model(&args.model, Some(&ctx))?;
    let outcome = stats_command(&mut model, &data, &ctx, &opts)?;
    print_outcome(args.out.format, &outcome, render_stats)?;
    env.finish(&outcome.run, &outcome.files);
    Ok(())
}

#[derive(Debug, Clone)]
pub struct StatsOptions {
    /// Languages (ISO or FLORES codes), at least one.
    pub languages: Vec<String>,
    pub text: TextSelection,
    pub stats: StatsParams,
    /// For the set sizes shown (LAPE sets depend on all languages named).
    pub sets: SetMethod,
    pub generic: GenericNeurons,
    pub out_dir: Option<PathBuf>,
}

impl StatsOptions {
    pub fn new(languages: Vec<String>) -> Self {
        StatsOptions {
            languages,
            text: TextSelection::default(),
            stats: StatsParams::default(),
            sets: SetMethod::default(),
            generic: GenericNeurons::Keep,
            out_dir: None,
        }
    }
}

/// One language's statistics, reduced for reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageSummary {
    pub language: String,
    pub sentences: usize,
    pub windows: usize,
    pub tokens: u64,
    /// Mean of `P(value > 0)` over all neurons, and per layer.
    pub mean_active: f64,
    pub layer_mean_active: Vec<f64>,
    /// `|T_l|` in total and per layer, and its cut-off.
    pub set_size: usize,
    pub layer_set_size: Vec<usize>,
    pub threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsOutcome {
    pub format: String,
    pub languages: Vec<LanguageSummary>,
    pub sets: SetMethod,
    /// Generic neurons left out before the sets were taken, and how many.
    #[serde(default)]
    pub generic: GenericNeurons,
    #[serde(default)]
    pub generic_excluded: usize,
    pub site: neuron_probe::CaptureSite,
    pub window_tokens: usize,
    pub model: ModelIdentity,
    pub run: RunInfo,
    #[serde(skip)]
    pub files: Vec<PathBuf>,
}

pub const STATS_FORMAT: &str = "bridgex-stats/1";

fn summarise(s: &LanguageStats) -> (f64, Vec<f64>) {
    let p = s.activation_probability();
    let n = s.stats.neurons.max(1);
    let layer_means: Vec<f64> = p
        .chunks(n)
        .map(|c| c.iter().sum::<f64>() / c.len().max(1) as f64)
        .collect();
    let mean = p.iter().sum::<f64>() / p.len().max(1) as f64;
    (mean, layer_means)
}

pub fn stats_command<M: AppModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    ctx: &RunContext,
    opts: &StatsOptions,
) -> anyhow::Result<StatsOutcome> {
    // A directory that cannot take the results fails now, not after the computation.
    if let Some(dir) = &opts.out_dir {
        crate::output::ensure_dir(dir)?;
    }
    let (mut run, started) = start_run("stats", Some(&*model), Some(inputs), Some(ctx));
    let given: Vec<&str> = opts.languages.iter().map(String::as_str).collect();
    let codes = neuron_probe::resolve_languages(&given)?;
    if codes.is_empty() {
        anyhow::bail!("--lang: name at least one language, e.g. --lang en,sw");
    }
    let staged =
        neuron_probe::stats_for_languages(model, inputs, &codes, &opts.text, &opts.stats, ctx)
            .context("computing the FLORES-200 language statistics")?;
    run.record(&staged.log);
    let stats = staged.value;
    let labels: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    let sets = language_sets(&stats, &opts.sets, opts.generic).context("language neuron sets")?;

    let mut languages = Vec::with_capacity(stats.len());
    for (k, s) in stats.iter().enumerate() {
        let (mean_active, layer_mean_active) = summarise(s);
        let set = &sets.sets[k];
        let layer_set_size = set.per_layer_counts();
        languages.push(LanguageSummary {
            language: s.lang.clone(),
            sentences: s.sentences,
            windows: s.windows,
            tokens: s.stats.tokens,
            mean_active,
            layer_mean_active,
            set_size: set.len(),
            layer_set_size,
            threshold: sets.thresholds[k],
        });
    }
    finish_run(&mut run, started, &*model);
    let mut outcome = StatsOutcome {
        format: STATS_FORMAT.to_string(),
        languages,
        sets: opts.sets,
        generic: opts.generic,
        generic_excluded: sets.excluded,
        site: opts.stats.site,
        window_tokens: opts.stats.window_tokens,
        model: model.identity(),
        run,
        files: Vec::new(),
    };
    if let Some(dir) = &opts.out_dir {
        let stem = format!("stats-{}", labels.join("-"));
        let json = dir.join(format!("{stem}.json"));
        write_json(&json, &outcome)?;
        let txt = dir.join(format!("{stem}.txt"));
        write_atomic(&txt, render_stats(&outcome).as_bytes())?;
        outcome.files = vec![json, txt];
    }
    Ok(outcome)
}

pub fn render_stats(o: &StatsOutcome) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "FLORES-200 neuron statistics at `{}` (windows of {} tokens)",
        o.site, o.window_tokens
    );
    let _ = writeln!(out, "model: {}", describe_model(&o.model));
    let _ = writeln!(
        out,
        "sets: {}",
        describe_sets(&o.sets, o.generic, o.generic_excluded)
    );
    let _ = writeln!(out);
    let mut t = table::table(
        &[
            "language",
            "sentences",
            "windows",
            "tokens",
            "mean P(>0)",
            "|T_l|",
            "cut-off",
        ],
        1,
    );
    for l in &o.languages {
        t.add_row(vec![
            language_label(&l.language),
            l.sentences.to_string(),
            l.windows.to_string(),
            table::count(l.tokens),
            table::num(l.mean_active, 4),
            l.set_size.to_string(),
            table::num(l.threshold, 4),
        ]);
    }
    let _ = writeln!(out, "{t}");
    let _ = writeln!(out);
    let mut header: Vec<String> = vec!["layer".into()];
    for l in &o.languages {
        header.push(format!("{} P(>0)", l.language));
        header.push(format!("{} |T_l|", l.language));
    }
    let refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut layers = table::table(&refs, 1);
    for layer in 0..o.model.layers {
        let mut row = vec![layer.to_string()];
        for l in &o.languages {
            row.push(table::num(
                l.layer_mean_active.get(layer).copied().unwrap_or(f64::NAN),
                3,
            ));
            row.push(
                l.layer_set_size
                    .get(layer)
                    .map_or_else(|| "-".into(), |n| n.to_string()),
            );
        }
        layers.add_row(row);
    }
    let _ = writeln!(out, "Per layer: mean activation probability and set size");
    let _ = writeln!(out, "{layers}");
    out
}
