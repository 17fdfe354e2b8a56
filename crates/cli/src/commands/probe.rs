//! `bridgex probe --pair SRC-TGT`: the probe stage alone (cached): which words, how many the
//! model understood, and how the probe activations look per layer.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use muse_dict::Split;
use neuron_probe::{
    Inputs, ModelIdentity, ProbeActivations, ProbeParams, ProbeSummary, RunContext,
};
use serde::{Deserialize, Serialize};

use crate::app::AppEnv;
use crate::app::AppModel;
use crate::args::LanguagePair;
use crate::args::{ModelArgs, OutArgs, ProbeArgs, SiteArgs};
use crate::commands::common::{describe_model, finish_run, language_label, start_run};
use crate::output::print_outcome;
use crate::output::{write_atomic, write_json};
use crate::summary::RunInfo;
use crate::table;

/// `bridgex probe`: compute (or load) the dictionary probe of a pair.
#[derive(clap::Args, Debug)]
// A negative number is a value to check (`--top-rate -0.1`), not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// The language pair, SRC-TGT, e.g. en-sw
    #[arg(long, value_name = "SRC-TGT")]
    pub pair: LanguagePair,
    /// Which part of the dictionary the words come from
    #[arg(long, value_enum, default_value_t)]
    pub split: SplitArg,
    /// Probe prompts listed in the table
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub show_words: usize,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub site: SiteArgs,
    #[command(flatten)]
    pub probe: ProbeArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

/// Which part of a dictionary.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default)]
pub enum SplitArg {
    /// Source ranks 0..5000 (the method's probe words)
    #[default]
    Train,
    /// The evaluation words
    Test,
    /// The whole dictionary
    Full,
}

impl From<SplitArg> for Split {
    fn from(a: SplitArg) -> Self {
        match a {
            SplitArg::Train => Split::Train,
            SplitArg::Test => Split::Test,
            SplitArg::Full => Split::Full,
        }
    }
}

pub fn run(args: Args, env: &AppEnv) -> anyhow::Result<()> {
    let ctx = env.ctx()?;
    let data = env.data()?;
    let mut opts = ProbeOptions::new(args.pair);
    opts.split = args.split.into();
    opts.probe = args.probe.params(&args.site)?;
    opts.show_words = args.show_words;
    opts.out_dir = Some(args.out.out.clone());
    let mut model = env.model(&args.model, Some(&ctx))?;
    let outcome = probe_command(&mut model, &data, &ctx, &opts)?;
    print_outcome(args.out.format, &outcome, render_probe)?;
    env.finish(&outcome.run, &outcome.files);
    Ok(())
}

#[derive(Debug, Clone)]
pub struct ProbeOptions {
    pub pair: LanguagePair,
    /// Which part of the dictionary the words come from (docs/METHOD.md: train).
    pub split: Split,
    pub probe: ProbeParams,
    /// Probe words listed in the table.
    pub show_words: usize,
    pub out_dir: Option<PathBuf>,
}

impl ProbeOptions {
    pub fn new(pair: LanguagePair) -> Self {
        ProbeOptions {
            pair,
            split: Split::Train,
            probe: ProbeParams::default(),
            show_words: 12,
            out_dir: None,
        }
    }
}

/// Probe activations of one layer, over all its neurons and samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerActivity {
    pub layer: usize,
    pub mean: f64,
    pub mean_abs: f64,
    /// Share of (neuron, sample) values > 0.
    pub positive: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeOutcome {
    pub format: String,
    pub summary: ProbeSummary,
    pub words: Vec<String>,
    pub targets: Vec<Vec<String>>,
    pub prompts: Vec<String>,
    pub layers: Vec<LayerActivity>,
    pub params: ProbeParams,
    pub model: ModelIdentity,
    pub run: RunInfo,
    #[serde(skip)]
    pub show_words: usize,
    #[serde(skip)]
    pub files: Vec<PathBuf>,
}

pub const PROBE_FORMAT: &str = "bridgex-probe/1";

fn layer_activity(a: &ProbeActivations) -> Vec<LayerActivity> {
    let per_layer = a.neurons * a.samples();
    (0..a.layers)
        .map(|layer| {
            let chunk = &a.data[layer * per_layer..(layer + 1) * per_layer];
            let n = chunk.len().max(1) as f64;
            LayerActivity {
                layer,
                mean: chunk.iter().map(|&v| v as f64).sum::<f64>() / n,
                mean_abs: chunk.iter().map(|&v| (v as f64).abs()).sum::<f64>() / n,
                positive: chunk.iter().filter(|&&v| v > 0.0).count() as f64 / n,
            }
        })
        .collect()
}

pub fn probe_command<M: AppModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    ctx: &RunContext,
    opts: &ProbeOptions,
) -> anyhow::Result<ProbeOutcome> {
    // A directory that cannot take the results fails now, not after the computation.
    if let Some(dir) = &opts.out_dir {
        crate::output::ensure_dir(dir)?;
    }
    let (mut run, started) = start_run("probe", Some(&*model), Some(inputs), Some(ctx));
    let (s, t) = (opts.pair.source.code, opts.pair.target.code);
    let staged = neuron_probe::probe_pair(model, inputs, s, t, opts.split, &opts.probe, ctx)
        .with_context(|| format!("probing {s}-{t}"))?;
    run.record(&staged.log);
    let a = staged.value;
    finish_run(&mut run, started, &*model);
    let mut outcome = ProbeOutcome {
        format: PROBE_FORMAT.to_string(),
        summary: a.summary.clone(),
        layers: layer_activity(&a),
        words: a.words,
        targets: a.targets,
        prompts: a.prompts,
        params: opts.probe.clone(),
        model: model.identity(),
        run,
        show_words: opts.show_words,
        files: Vec::new(),
    };
    if let Some(dir) = &opts.out_dir {
        let stem = format!("probe-{}", opts.pair.label());
        let json = dir.join(format!("{stem}.json"));
        write_json(&json, &outcome)?;
        let txt = dir.join(format!("{stem}.txt"));
        write_atomic(&txt, render_probe(&outcome).as_bytes())?;
        outcome.files = vec![json, txt];
    }
    Ok(outcome)
}

pub fn render_probe(o: &ProbeOutcome) -> String {
    let p = &o.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Probe {} → {}",
        language_label(&p.src),
        language_label(&p.trg)
    );
    let _ = writeln!(out, "model: {}", describe_model(&o.model));
    let _ = writeln!(out);
    let mut rows: Vec<(String, String)> = vec![
        ("dictionary".into(), p.dictionary_origin.clone()),
        ("words taken from".into(), p.dictionary_split.clone()),
        (
            "source words available".into(),
            table::count(p.dictionary_words as u64),
        ),
    ];
    if p.filter {
        rows.push((
            "understanding filter".into(),
            format!(
                "{} of the words judged were translated correctly",
                table::share(p.survived, p.candidates_considered)
            ),
        ));
        rows.push((
            "fallback to unfiltered words".into(),
            if p.fell_back {
                format!("yes (fewer than {} survived)", o.params.min_survivors)
            } else {
                "no".into()
            },
        ));
    } else {
        rows.push(("understanding filter".into(), "off".into()));
    }
    rows.push(("probe prompts".into(), p.samples.to_string()));
    rows.push(("seed".into(), o.params.seed.to_string()));
    let _ = writeln!(out, "{}", table::key_values(&rows));
    let _ = writeln!(out);
    if o.show_words > 0 && !o.words.is_empty() {
        let mut t = table::table(&["#", "prompt", "gold targets"], 3);
        for (i, (prompt, targets)) in o
            .prompts
            .iter()
            .zip(&o.targets)
            .take(o.show_words)
            .enumerate()
        {
            t.add_row(vec![
                (i + 1).to_string(),
                prompt.clone(),
                targets.join(", "),
            ]);
        }
        let _ = writeln!(
            out,
            "First {} of {} probe prompts",
            o.show_words.min(o.words.len()),
            o.words.len()
        );
        let _ = writeln!(out, "{t}");
        let _ = writeln!(out);
    }
    let mut t = table::table(&["layer", "mean", "mean |value|", "share > 0"], 1);
    for l in &o.layers {
        t.add_row(vec![
            l.layer.to_string(),
            table::num(l.mean, 4),
            table::num(l.mean_abs, 4),
            format!("{:.1} %", 100.0 * l.positive),
        ]);
    }
    let _ = writeln!(
        out,
        "Probe activations per layer (prompt means, BOS excluded)"
    );
    let _ = writeln!(out, "{t}");
    out
}
