//! `bridgex bridge --pair SRC-TGT`: the whole method for one pair (docs/METHOD.md §2–§5) with a
//! ranking table, a JSON report and a per-layer score plot.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use neuron_probe::{BridgeReport, HsicConfig, Inputs, PipelineParams, ProbeSummary, RunContext};
use serde::{Deserialize, Serialize};

use crate::app::AppEnv;
use crate::app::AppModel;
use crate::args::{
    BridgeSetArg, EngineArg, HsicArg, Lang, LayersArg, ModelArgs, OutArgs, ProbeArgs, ResampleArg,
    SetArgs, SigmaArg, SiteArgs, TextArgs,
};
use crate::args::{LanguagePair, LayerRange};
use crate::commands::common::{
    describe_model, describe_score, describe_sets, describe_variant, finish_run, language_label,
    native_name, start_run,
};
use crate::output::print_outcome;
use crate::output::{write_atomic, write_json};
use crate::plot::{LayerFigure, LayerSeries, PlotFormats, write_layer_figure};
use crate::summary::RunInfo;
use crate::table;

/// Everything `bridge` takes.
/// `bridgex bridge`: rank the candidate bridges of a language pair.
#[derive(clap::Args, Debug)]
// A negative number is a value to check (`--top-rate -0.1`), not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// The language pair, SRC-TGT (ISO 639-1 or FLORES-200 codes), e.g. en-sw
    #[arg(long, value_name = "SRC-TGT")]
    pub pair: LanguagePair,
    /// Candidate bridges, comma-separated [default: en,de,fr,it,pt,es minus SRC and TGT]
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub candidates: Vec<Lang>,
    /// Layers averaged into the bridge score, FIRST-LAST (0-based, inclusive)
    /// [default: round(0.3125 L)-(round(0.6875 L)-1), e.g. 6-11 for 18 layers, 10-21 for 32]
    #[arg(long, value_name = "FIRST-LAST")]
    pub layer_window: Option<LayerRange>,
    /// Which neurons stand for a candidate
    #[arg(long, value_enum, default_value_t)]
    pub bridge_set: BridgeSetArg,
    /// The kernel score
    #[arg(long, value_enum, default_value_t)]
    pub hsic: HsicArg,
    /// How the HSIC matrix is computed (same result, different cost)
    #[arg(long, value_enum, default_value_t)]
    pub engine: EngineArg,
    /// Score only the window's layers (faster; the plot then shows only the window)
    #[arg(long)]
    pub window_only: bool,
    /// Count window layers whose kernel bandwidth collapsed (≤ 2 neurons per set: the same
    /// score for every candidate) in the bridge score, as the reference code does
    #[arg(long)]
    pub keep_collapsed_layers: bool,
    /// Threads of the HSIC scorer (0 = all cores)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub hsic_threads: usize,
    /// Where the kernel bandwidth σ of a layer comes from
    #[arg(long, value_enum, default_value_t)]
    pub sigma: SigmaArg,
    /// Which window layers a bridge score averages
    #[arg(long, value_enum, default_value_t)]
    pub layers: LayersArg,
    /// Leave out layers where the overlap set or a bridge set has fewer neurons than this
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub min_set_size: usize,
    /// Compare bridge sets of one size per layer: subsample each to the smallest, N seeded
    /// draws averaged (0 = off)
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub equal_sizes: usize,
    /// The reference code's exact rule: pooled σ, every window layer with a missing one as 0,
    /// collapsed layers counted (overrides --sigma, --layers, --min-set-size, --equal-sizes)
    #[arg(long)]
    pub reference_rule: bool,
    /// Bootstrap replicates of the probe for win rates and intervals (0 = none)
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub replicates: usize,
    /// Seed of the bootstrap
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub confidence_seed: u64,
    /// Win rate from which a choice is called clear
    #[arg(long, default_value_t = 0.95, value_name = "SHARE")]
    pub clear_at: f64,
    /// What each replicate redraws: the probe samples (bootstrap) or the probe words (drawn
    /// without replacement from a larger pool of probe words, --word-pool)
    #[arg(long, value_enum, default_value_t)]
    pub resample: ResampleArg,
    /// Words in the pool of `--resample words` [default: twice the probe size]
    #[arg(long, value_name = "N")]
    pub word_pool: Option<usize>,
    /// Also write the plot as SVG
    #[arg(long)]
    pub svg: bool,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub text: TextArgs,
    #[command(flatten)]
    pub site: SiteArgs,
    #[command(flatten)]
    pub sets: SetArgs,
    #[command(flatten)]
    pub probe: ProbeArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

pub fn run(args: Args, env: &AppEnv) -> anyhow::Result<()> {
    let ctx = env.ctx()?;
    let data = env.data()?;
    let mut opts = BridgeOptions::new(args.pair);
    opts.candidates = args
        .candidates
        .iter()
        .map(|l| l.code().to_string())
        .collect();
    opts.params.text = args.text.selection();
    opts.params.stats = args.text.stats_params(&args.site)?;
    opts.params.probe = args.probe.params(&args.site)?;
    opts.params.bridge.sets = args.sets.method()?;
    opts.params.bridge.generic = args.sets.generic()?;
    opts.params.bridge.variant = args.bridge_set.into();
    opts.params.bridge.hsic.kind = args.hsic.into();
    opts.params.bridge.hsic.engine = args.engine.engine();
    opts.params.bridge.hsic.threads = args.hsic_threads;
    opts.params.bridge.hsic.all_layers = !args.window_only;
    opts.params.bridge.hsic.keep_degenerate_layers = args.keep_collapsed_layers;
    opts.params.bridge.hsic.sigma = args.sigma.into();
    opts.params.bridge.hsic.aggregation = args.layers.into();
    opts.params.bridge.hsic.min_set_size = args.min_set_size;
    opts.params.bridge.hsic.equal_sizes =
        (args.equal_sizes > 0).then_some(neuron_probe::EqualSizes {
            draws: args.equal_sizes,
            seed: args.confidence_seed,
        });
    if args.reference_rule {
        opts.params.bridge.hsic = opts.params.bridge.hsic.reference_rule();
    }
    if !(args.clear_at > 0.0 && args.clear_at <= 1.0) {
        anyhow::bail!("--clear-at {} is not a share in (0, 1]", args.clear_at);
    }
    let resample = match args.resample {
        ResampleArg::Samples => neuron_probe::Resample::Samples,
        ResampleArg::Words => {
            let pool = args.word_pool.unwrap_or(2 * opts.params.probe.probe_size);
            if pool <= opts.params.probe.probe_size {
                anyhow::bail!(
                    "--word-pool {pool} must be larger than --probe-size {}: each replicate \
                     draws that many words from the pool",
                    opts.params.probe.probe_size
                );
            }
            neuron_probe::Resample::Words { pool }
        }
    };
    opts.params.confidence = neuron_probe::ConfidenceParams {
        replicates: args.replicates,
        seed: args.confidence_seed,
        clear_at: args.clear_at,
        resample,
    };
    opts.layer_window = args.layer_window;
    opts.out_dir = Some(args.out.out.clone());
    opts.plots = PlotFormats {
        png: true,
        svg: args.svg,
    };
    // Candidates are checked before the model is fetched or opened.
    let given: Vec<&str> = opts.candidates.iter().map(String::as_str).collect();
    neuron_probe::resolve_candidates(args.pair.source.code, args.pair.target.code, &given)?;
    let mut model = env.model(&args.model, Some(&ctx))?;
    let outcome = bridge(&mut model, &data, &ctx, &opts)?;
    print_outcome(args.out.format, &outcome, |o| render_bridge(&o.report))?;
    env.finish(&outcome.run, &outcome.files);
    Ok(())
}

#[derive(Debug, Clone)]
pub struct BridgeOptions {
    pub pair: LanguagePair,
    /// Candidate bridges (ISO or FLORES codes); empty = en de fr it pt es minus the pair.
    pub candidates: Vec<String>,
    /// Text, statistics, probe and scoring parameters (their defaults are docs/METHOD.md's).
    pub params: PipelineParams,
    /// Layers averaged into the bridge score; `None` = `[round(0.3125 L), round(0.6875 L) - 1]`.
    pub layer_window: Option<LayerRange>,
    /// Where the JSON, table and plot go; `None` = write no files.
    pub out_dir: Option<PathBuf>,
    pub plots: PlotFormats,
}

impl BridgeOptions {
    /// The method's defaults for `pair`, scoring every layer so that the plot has full curves.
    pub fn new(pair: LanguagePair) -> Self {
        BridgeOptions {
            pair,
            candidates: Vec::new(),
            params: PipelineParams {
                bridge: neuron_probe::BridgeParams {
                    hsic: HsicConfig {
                        all_layers: true,
                        ..HsicConfig::default()
                    },
                    ..Default::default()
                },
                ..PipelineParams::default()
            },
            layer_window: None,
            out_dir: None,
            plots: PlotFormats::default(),
        }
    }
}

/// The result of `bridge`: the report, what the run cost, and the files written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BridgeOutcome {
    pub format: String,
    pub report: BridgeReport,
    pub run: RunInfo,
    #[serde(skip)]
    pub files: Vec<PathBuf>,
}

/// Format tag of the JSON document.
pub const BRIDGE_FORMAT: &str = "bridgex-bridge/1";

/// Run the method for one pair.
pub fn bridge<M: AppModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    ctx: &RunContext,
    opts: &BridgeOptions,
) -> anyhow::Result<BridgeOutcome> {
    // A directory that cannot take the results fails now, not after the computation.
    if let Some(dir) = &opts.out_dir {
        crate::output::ensure_dir(dir)?;
    }
    let (mut run, started) = start_run("bridge", Some(&*model), Some(inputs), Some(ctx));
    let (s, t) = (opts.pair.source.code, opts.pair.target.code);
    let mut params = opts.params.clone();
    if let Some(r) = opts.layer_window {
        params.bridge.window = Some(r.window(model.layers()).context("--layer-window")?);
    }
    let candidates: Vec<&str> = opts.candidates.iter().map(String::as_str).collect();
    let staged = neuron_probe::bridge_for_pair(model, inputs, s, t, &candidates, &params, ctx)
        .with_context(|| format!("the bridge of {s}-{t}"))?;
    run.record(&staged.log);
    let report = staged.value;
    finish_run(&mut run, started, &*model);

    let mut outcome = BridgeOutcome {
        format: BRIDGE_FORMAT.to_string(),
        report,
        run,
        files: Vec::new(),
    };
    if let Some(dir) = &opts.out_dir {
        outcome.files = write_bridge_files(&outcome, dir, opts.plots)?;
    }
    Ok(outcome)
}

/// `bridge-<pair>.json`, `.txt` and `-layers.png` under `dir`.
pub fn write_bridge_files(
    outcome: &BridgeOutcome,
    dir: &Path,
    plots: PlotFormats,
) -> anyhow::Result<Vec<PathBuf>> {
    let stem = format!("bridge-{}-{}", outcome.report.source, outcome.report.target);
    let json = dir.join(format!("{stem}.json"));
    write_json(&json, outcome)?;
    let txt = dir.join(format!("{stem}.txt"));
    write_atomic(&txt, render_bridge(&outcome.report).as_bytes())?;
    let mut files = vec![json, txt];
    files.extend(write_layer_figure(
        &dir.join(format!("{stem}-layers")),
        &layer_figure(&outcome.report),
        plots,
    )?);
    Ok(files)
}

/// The bootstrap figures of one candidate, if the report has them.
fn confidence_of<'a>(
    report: &'a BridgeReport,
    language: &str,
) -> Option<&'a neuron_probe::CandidateConfidence> {
    report
        .confidence
        .as_ref()?
        .candidates
        .iter()
        .find(|c| c.language == language)
}

/// The per-layer score curves of a report, window shaded, chosen bridge highlighted, with
/// bootstrap intervals per layer when the report has them.
pub fn layer_figure(report: &BridgeReport) -> LayerFigure {
    let series = report
        .candidates
        .iter()
        .map(|c| LayerSeries {
            label: format!(
                "{} ({}{})",
                c.language,
                c.score
                    .map_or_else(|| "no score".to_string(), |s| table::num(s, 4)),
                confidence_of(report, &c.language).map_or_else(String::new, |x| format!(
                    ", wins {:.0}%",
                    100.0 * x.win_rate
                ))
            ),
            values: c.layers.iter().map(|l| l.score).collect(),
            highlight: report.chosen.as_deref() == Some(c.language.as_str()),
            flagged: c.layers.iter().map(|l| l.degenerate).collect(),
            intervals: confidence_of(report, &c.language)
                .map(|x| x.layers.clone())
                .unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    LayerFigure {
        title: format!(
            "{} → {}: bridge score per layer ({}, {})",
            report.source,
            report.target,
            report.model.name,
            match report.score_kind {
                neuron_probe::ScoreKind::Reference => "reference HSIC",
                neuron_probe::ScoreKind::Standard => "HSIC",
                neuron_probe::ScoreKind::Cka => "CKA",
            }
        ),
        y_label: "layer score".to_string(),
        layers: report.model.layers,
        window: Some((report.window.first, report.window.last)),
        log_y: LayerFigure::wants_log(&series),
        series,
        flag_label: "σ collapsed (≤ 2 neurons)".to_string(),
    }
}

fn probe_rows(p: &ProbeSummary) -> Vec<(String, String)> {
    let mut rows = vec![
        ("probe pair".to_string(), format!("{} → {}", p.src, p.trg)),
        ("dictionary".to_string(), p.dictionary_origin.clone()),
        ("words taken from".to_string(), p.dictionary_split.clone()),
        (
            "source words available".to_string(),
            table::count(p.dictionary_words as u64),
        ),
    ];
    if p.filter {
        rows.push((
            "understanding filter".to_string(),
            format!(
                "{} of the words judged were translated correctly",
                table::share(p.survived, p.candidates_considered)
            ),
        ));
        if p.fell_back {
            rows.push((
                "fallback".to_string(),
                "too few words survived: unfiltered words were used".to_string(),
            ));
        }
    } else {
        rows.push(("understanding filter".to_string(), "off".to_string()));
    }
    rows.push(("probe prompts".to_string(), p.samples.to_string()));
    rows
}

/// The verdict line: how sure the choice is over the bootstrap replicates.
pub fn describe_verdict(c: &neuron_probe::Confidence) -> String {
    let how = if c.resampled == "probe samples" {
        format!(
            "{} bootstrap replicates of the probe samples, seed {}",
            c.replicates, c.seed
        )
    } else {
        format!(
            "{} replicates redrawing the {}, seed {}",
            c.replicates, c.resampled, c.seed
        )
    };
    match &c.verdict {
        neuron_probe::Verdict::Clear { bridge, win_rate } => format!(
            "Verdict: clear: {} wins {:.0}% of {how} (clear from {:.0}%).",
            language_label(bridge),
            100.0 * win_rate,
            100.0 * c.clear_at
        ),
        neuron_probe::Verdict::Uncertain { between } => format!(
            "Verdict: uncertain between {} ({how}; no bridge wins {:.0}%).",
            between.join(", "),
            100.0 * c.clear_at
        ),
        neuron_probe::Verdict::NoBridge => format!("Verdict: no bridge ({how})."),
    }
}

/// The terminal rendering of a report.
pub fn render_bridge(r: &BridgeReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "BridgeX-ICL bridge ranking for {} → {}",
        language_label(&r.source),
        language_label(&r.target)
    );
    let _ = writeln!(out, "model: {}", describe_model(&r.model));
    let _ = writeln!(
        out,
        "language sets: {}; bridge neurons: {}; score: {}; window: layers {}-{}",
        describe_sets(&r.params.sets, r.params.generic, r.overlap.generic_excluded),
        describe_variant(r.params.variant),
        describe_score(r.score_kind),
        r.window.first,
        r.window.last
    );
    let _ = writeln!(out);

    let conf = r.confidence.as_ref();
    let mut header = vec!["rank", "bridge", "language", "score"];
    if conf.is_some() {
        header.extend(["win rate", "95% interval"]);
    }
    header.extend([
        "window layers scored",
        "σ-collapsed, left out ‡",
        "|T_k|",
        "|B_k|",
    ]);
    let mut rank = table::table(&header, 3);
    for (i, code) in r.ranking.iter().enumerate() {
        let Some(c) = r.candidates.iter().find(|c| &c.language == code) else {
            continue;
        };
        let marker = if r.chosen.as_deref() == Some(code.as_str()) {
            "1 ◀ chosen".to_string()
        } else {
            (i + 1).to_string()
        };
        let mut row = vec![
            marker,
            code.clone(),
            format!("{} / {}", language_label(code), native_name(code)),
            table::opt(c.score),
        ];
        if let Some(conf) = conf {
            let cc = conf.candidates.iter().find(|x| &x.language == code);
            row.push(cc.map_or_else(String::new, |x| format!("{:.0}%", 100.0 * x.win_rate)));
            row.push(cc.and_then(|x| x.interval).map_or_else(
                || "-".to_string(),
                |(lo, hi)| format!("[{}, {}]", table::num(lo, 4), table::num(hi, 4)),
            ));
        }
        row.extend([
            format!("{}/{}", c.layers_used, r.window.len()),
            c.degenerate_skipped.to_string(),
            c.set_size.to_string(),
            c.bridge_neurons.to_string(),
        ]);
        rank.add_row(row);
    }
    let _ = writeln!(out, "Ranking");
    let _ = writeln!(out, "{rank}");
    match &r.chosen {
        Some(c) => {
            let _ = writeln!(
                out,
                "Chosen bridge: {}, prompt name {}",
                language_label(c),
                native_name(c)
            );
        }
        None => {
            let _ = writeln!(out, "No candidate has a score: no bridge chosen.");
        }
    }
    if let Some(conf) = conf {
        let _ = writeln!(out, "{}", describe_verdict(conf));
    }
    let _ = writeln!(out);

    let mut header: Vec<String> = vec!["layer".into(), "|O_st|".into()];
    header.extend(r.candidates.iter().map(|c| c.language.clone()));
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut layers = table::table(&header_refs, 1);
    let mut any_degenerate = false;
    for layer in 0..r.model.layers {
        let in_window = r.window.contains(layer);
        let mut row = vec![
            format!("{layer}{}", if in_window { " *" } else { "" }),
            r.overlap.per_layer.get(layer).map_or(0, |&n| n).to_string(),
        ];
        for c in &r.candidates {
            let cell = match c.layers.get(layer) {
                Some(l) if l.degenerate => {
                    any_degenerate = true;
                    format!("{} ‡", table::opt(l.score))
                }
                Some(l) => table::opt(l.score),
                None => "-".to_string(),
            };
            row.push(cell);
        }
        layers.add_row(row);
    }
    let _ = writeln!(
        out,
        "Layer scores (* = in the window; - = an empty set in that layer or not computed)"
    );
    let _ = writeln!(out, "{layers}");
    if any_degenerate {
        let _ = writeln!(
            out,
            "‡ σ collapsed to its 1e-6 floor (typically |O_st| and |B_k| ≤ 2 in that layer: the lower \
             median of the pairwise distances, self-distances included, is then 0); every Gram matrix is then the \
             identity and the score is S - 1 = {} whatever the candidate, so the bridge score leaves the layer out \
             (--keep-collapsed-layers counts it, as the reference code does).",
            r.probe.samples.saturating_sub(1)
        );
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "Probe");
    let _ = writeln!(out, "{}", table::key_values(&probe_rows(&r.probe)));
    let _ = writeln!(out);

    let mut sets = table::table(
        &[
            "language",
            "sentences",
            "windows",
            "tokens",
            "|T_l|",
            "cut-off",
        ],
        1,
    );
    for l in &r.languages {
        sets.add_row(vec![
            language_label(&l.language),
            l.sentences.to_string(),
            l.windows.to_string(),
            table::count(l.tokens),
            l.set_size.to_string(),
            table::num(l.threshold, 4),
        ]);
    }
    let _ = writeln!(out, "Language neuron sets (FLORES-200)");
    let _ = writeln!(out, "{sets}");
    let _ = writeln!(
        out,
        "Pair overlap: |T_{s}| = {}, |T_{t}| = {}, |O_{s}{t}| = |T_{s} ∩ T_{t}| = {}",
        r.overlap.source_set,
        r.overlap.target_set,
        r.overlap.overlap,
        s = r.source,
        t = r.target
    );
    out
}
