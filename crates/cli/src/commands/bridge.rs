//! `bridgex bridge --pair SRC-TGT`: the whole method for one pair (METHOD.md §2–§5) with a
//! ranking table, a JSON report and a per-layer score plot.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use muse_dict::Split;
use neuron_probe::{
    BridgeReport, HsicConfig, PipelineParams, ProbeSummary, RunContext, language_stats, probe,
    rank_bridges,
};
use serde::{Deserialize, Serialize};

use crate::app::AppModel;
use crate::args::{LanguagePair, LayerRange};
use crate::commands::common::{
    describe_model, describe_score, describe_sets, describe_variant, finish_run, language_label,
    native_name, resolve_candidates, start_run,
};
use crate::inputs::Inputs;
use crate::output::{write_atomic, write_json};
use crate::plot::{LayerFigure, LayerSeries, PlotFormats, write_layer_figure};
use crate::summary::{ArtifactWatch, FILTER_KIND, PROBE_KIND, RunInfo, STATS_KIND, StageCache};
use crate::table;

/// Everything `bridge` takes.
#[derive(Debug, Clone)]
pub struct BridgeOptions {
    pub pair: LanguagePair,
    /// Candidate bridges (ISO or FLORES codes); empty = en de fr it pt es minus the pair.
    pub candidates: Vec<String>,
    /// Text, statistics, probe and scoring parameters (their defaults are METHOD.md's).
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
    let (mut run, started) = start_run("bridge", Some(&*model), Some(inputs), Some(ctx));
    let (s, t) = (opts.pair.source.code, opts.pair.target.code);
    let candidates = resolve_candidates(s, t, &opts.candidates)?;
    let mut bridge_params = opts.params.bridge.clone();
    if let Some(r) = opts.layer_window {
        bridge_params.window = Some(r.window(model.layers()).context("--layer-window")?);
    }

    let mut languages: Vec<&str> = vec![s, t];
    languages.extend(candidates.iter().copied());
    let mut watch = ArtifactWatch::new(ctx.artifacts.root());

    let texts = languages
        .iter()
        .map(|l| inputs.language_text(l, &opts.params.text))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let stats = language_stats(model, &texts, &opts.params.stats, ctx)
        .context("computing the FLORES-200 language statistics")?;
    let labels: Vec<String> = languages.iter().map(|l| l.to_string()).collect();
    run.stats = StageCache::from_written(&labels, &watch.written(), STATS_KIND);

    let dict = inputs.dictionary(s, t, Split::Train)?;
    tracing::info!(
        "{s}-{t} probe words from {} ({}, {} entries)",
        dict.origin,
        dict.split,
        dict.entries.len()
    );
    let activations = probe(model, &dict, &opts.params.probe, ctx)
        .with_context(|| format!("probing {s}-{t} with `{{Src}}:\"word\"→{{Trg}}:` prompts"))?;
    let written = watch.written();
    let pair_label = vec![format!("{s}-{t}")];
    run.probe = StageCache::from_written(&pair_label, &written, PROBE_KIND);
    run.filter = StageCache::from_written(&pair_label, &written, FILTER_KIND);

    let report = rank_bridges(
        &stats,
        &activations,
        &candidates,
        &bridge_params,
        &model.identity(),
    )
    .context("ranking the candidate bridges")?;
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

/// The per-layer score curves of a report, window shaded, chosen bridge highlighted.
pub fn layer_figure(report: &BridgeReport) -> LayerFigure {
    let series = report
        .candidates
        .iter()
        .map(|c| LayerSeries {
            label: format!(
                "{} ({})",
                c.language,
                c.score
                    .map_or_else(|| "no score".to_string(), |s| table::num(s, 4))
            ),
            values: c.layers.iter().map(|l| l.score).collect(),
            highlight: report.chosen.as_deref() == Some(c.language.as_str()),
            flagged: c.layers.iter().map(|l| l.degenerate).collect(),
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
        describe_sets(&r.params.sets),
        describe_variant(r.params.variant),
        describe_score(r.score_kind),
        r.window.first,
        r.window.last
    );
    let _ = writeln!(out);

    let mut rank = table::table(
        &[
            "rank",
            "bridge",
            "language",
            "score",
            "window layers scored",
            "σ-collapsed, left out ‡",
            "|T_k|",
            "|B_k|",
        ],
        3,
    );
    for (i, code) in r.ranking.iter().enumerate() {
        let Some(c) = r.candidates.iter().find(|c| &c.language == code) else {
            continue;
        };
        let marker = if r.chosen.as_deref() == Some(code.as_str()) {
            "1 ◀ chosen".to_string()
        } else {
            (i + 1).to_string()
        };
        rank.add_row(vec![
            marker,
            code.clone(),
            format!("{} / {}", language_label(code), native_name(code)),
            table::opt(c.score),
            format!("{}/{}", c.layers_used, r.window.len()),
            c.degenerate_skipped.to_string(),
            c.set_size.to_string(),
            c.bridge_neurons.to_string(),
        ]);
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
