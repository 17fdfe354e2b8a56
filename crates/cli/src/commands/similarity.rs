//! `bridgex similarity --langs ...`: the model's own linguistic similarity (docs/METHOD.md §2),
//! overlap counts `|T_i ∩ T_j|` and cosine similarities of `p_i`, `p_j` on `T_i ∩ T_j`, as
//! tables, heat maps, JSON and CSV.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use neuron_probe::{
    GenericNeurons, Inputs, ModelIdentity, RunContext, SetMethod, SimilarityMatrices, StatsParams,
    TextSelection,
};
use serde::{Deserialize, Serialize};

use crate::app::AppEnv;
use crate::app::AppModel;
use crate::args::{Lang, ModelArgs, OutArgs, SetArgs, SiteArgs, TextArgs};
use crate::commands::common::{describe_model, describe_sets, finish_run, start_run};
use crate::output::print_outcome;
use crate::output::{write_atomic, write_json};
use crate::plot::{HeatMap, PlotFormats, write_heat_map};
use crate::summary::RunInfo;
use crate::table;

/// `bridgex similarity`: overlap-count and cosine similarity of language neuron sets.
#[derive(clap::Args, Debug)]
// A negative number is a value to check (`--top-rate -0.1`), not an unknown flag.
#[command(allow_negative_numbers = true)]
pub struct Args {
    /// Languages, comma-separated [default: the paper's 15: en,de,fr,it,pt,es,zh,ja,ar,he,id,tl,fi,hu,sw]
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub langs: Vec<Lang>,
    /// Also write the heat maps as SVG
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
    pub out: OutArgs,
}

pub fn run(args: Args, env: &AppEnv) -> anyhow::Result<()> {
    let ctx = env.ctx()?;
    let data = env.data()?;
    let opts = SimilarityOptions {
        languages: args.langs.iter().map(|l| l.code().to_string()).collect(),
        text: args.text.selection(),
        stats: args.text.stats_params(&args.site)?,
        sets: args.sets.method()?,
        generic: args.sets.generic()?,
        out_dir: Some(args.out.out.clone()),
        plots: PlotFormats {
            png: true,
            svg: args.svg,
        },
    };
    let mut model = env.model(&args.model, Some(&ctx))?;
    let outcome = similarity_command(&mut model, &data, &ctx, &opts)?;
    print_outcome(args.out.format, &outcome, render_similarity)?;
    env.finish(&outcome.run, &outcome.files);
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct SimilarityOptions {
    /// Languages (ISO or FLORES codes); empty = the 15 languages of the paper.
    pub languages: Vec<String>,
    pub text: TextSelection,
    pub stats: StatsParams,
    pub sets: SetMethod,
    pub generic: GenericNeurons,
    pub out_dir: Option<PathBuf>,
    pub plots: PlotFormats,
}

/// One language's set and its nearest neighbours by each measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarityLanguage {
    pub language: String,
    pub family: String,
    pub tokens: u64,
    pub set_size: usize,
    pub threshold: f64,
    /// The other language with the largest overlap count / cosine on shared neurons / Jaccard
    /// / cosine over all neurons.
    pub nearest_by_overlap: Option<String>,
    pub nearest_by_cosine: Option<String>,
    #[serde(default)]
    pub nearest_by_jaccard: Option<String>,
    #[serde(default)]
    pub nearest_by_cosine_all: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarityOutcome {
    pub format: String,
    pub matrices: SimilarityMatrices,
    pub languages: Vec<SimilarityLanguage>,
    pub sets: SetMethod,
    /// Generic neurons left out before the sets were taken, and how many.
    #[serde(default)]
    pub generic: GenericNeurons,
    #[serde(default)]
    pub generic_excluded: usize,
    pub model: ModelIdentity,
    pub run: RunInfo,
    #[serde(skip)]
    pub files: Vec<PathBuf>,
}

pub const SIMILARITY_FORMAT: &str = "bridgex-similarity/1";

fn argmax_off_diagonal(row: &[f64], i: usize) -> Option<usize> {
    row.iter()
        .enumerate()
        .filter(|&(j, v)| j != i && v.is_finite())
        .fold(None, |best: Option<(usize, f64)>, (j, &v)| match best {
            Some((_, b)) if b >= v => best,
            _ => Some((j, v)),
        })
        .map(|(j, _)| j)
}

pub fn similarity_command<M: AppModel + ?Sized>(
    model: &mut M,
    inputs: &dyn Inputs,
    ctx: &RunContext,
    opts: &SimilarityOptions,
) -> anyhow::Result<SimilarityOutcome> {
    // A directory that cannot take the results fails now, not after the computation.
    if let Some(dir) = &opts.out_dir {
        crate::output::ensure_dir(dir)?;
    }
    let (mut run, started) = start_run("similarity", Some(&*model), Some(inputs), Some(ctx));
    let codes: Vec<&str> = if opts.languages.is_empty() {
        langs::paper_languages().iter().map(|l| l.code).collect()
    } else {
        let given: Vec<&str> = opts.languages.iter().map(String::as_str).collect();
        neuron_probe::resolve_languages(&given)?
    };
    if codes.len() < 2 {
        anyhow::bail!("--langs: name at least two languages to compare");
    }
    let params = neuron_probe::SimilarityParams {
        text: opts.text.clone(),
        stats: opts.stats.clone(),
        sets: opts.sets,
        generic: opts.generic,
    };
    let staged = neuron_probe::similarity_for_languages(model, inputs, &codes, &params, ctx)
        .context("the similarity of the languages' neuron sets")?;
    run.record(&staged.log);
    let neuron_probe::SimilarityRun {
        stats,
        sets,
        matrices,
    } = staged.value;
    let mut languages = Vec::with_capacity(codes.len());
    for (i, code) in codes.iter().enumerate() {
        let st = &stats[i];
        let set_index = sets.languages.iter().position(|l| l == code);
        let overlap_row: Vec<f64> = matrices.overlap[i].iter().map(|&v| v as f64).collect();
        languages.push(SimilarityLanguage {
            language: code.to_string(),
            family: langs::get(code).map_or(String::new(), |l| l.family.to_string()),
            tokens: st.stats.tokens,
            set_size: set_index.map_or(0, |k| sets.sets[k].len()),
            threshold: set_index.map_or(f64::NAN, |k| sets.thresholds[k]),
            nearest_by_overlap: argmax_off_diagonal(&overlap_row, i).map(|j| codes[j].to_string()),
            nearest_by_cosine: argmax_off_diagonal(&matrices.cosine[i], i)
                .map(|j| codes[j].to_string()),
            nearest_by_jaccard: argmax_off_diagonal(&matrices.jaccard[i], i)
                .map(|j| codes[j].to_string()),
            nearest_by_cosine_all: argmax_off_diagonal(&matrices.cosine_all[i], i)
                .map(|j| codes[j].to_string()),
        });
    }
    finish_run(&mut run, started, &*model);
    let mut outcome = SimilarityOutcome {
        format: SIMILARITY_FORMAT.to_string(),
        matrices,
        languages,
        sets: opts.sets,
        generic: opts.generic,
        generic_excluded: sets.excluded,
        model: model.identity(),
        run,
        files: Vec::new(),
    };
    if let Some(dir) = &opts.out_dir {
        outcome.files = write_similarity_files(&outcome, dir, opts.plots)?;
    }
    Ok(outcome)
}

/// How cosines are shown: plainly, or — when every off-diagonal cosine is above 0.9, as sets
/// of nearly-always-active neurons make them — as `1 - cos` in units of `10^-k` so that the
/// differences stay visible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CosineDisplay {
    Plain,
    DistanceScaled { exponent: i32 },
}

pub fn cosine_display(m: &SimilarityMatrices) -> CosineDisplay {
    let k = m.languages.len();
    let off: Vec<f64> = (0..k)
        .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| m.cosine[i][j])
        .filter(|v| v.is_finite())
        .collect();
    if off.is_empty() || off.iter().any(|&c| c <= 0.9) {
        return CosineDisplay::Plain;
    }
    let max_d = off.iter().map(|c| 1.0 - c).fold(0.0, f64::max);
    if max_d <= 0.0 {
        return CosineDisplay::Plain;
    }
    // The largest distance lands in [1, 10).
    CosineDisplay::DistanceScaled {
        exponent: (-max_d.log10()).ceil() as i32,
    }
}

/// One cosine as the display shows it.
fn show_cosine(cos: f64, display: CosineDisplay) -> String {
    match display {
        CosineDisplay::Plain => format!("{cos:.3}"),
        // Rounding can put a cosine a hair above 1.
        CosineDisplay::DistanceScaled { exponent } => {
            format!("{:.2}", (1.0 - cos).max(0.0) * 10f64.powi(exponent))
        }
    }
}

fn cosine_cell(m: &SimilarityMatrices, display: CosineDisplay, i: usize, j: usize) -> String {
    show_cosine(m.cosine[i][j], display)
}

/// Smallest and largest off-diagonal cosine.
fn off_diagonal_range(m: &SimilarityMatrices) -> (f64, f64) {
    let k = m.languages.len();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for i in 0..k {
        for j in (0..k).filter(|&j| j != i) {
            lo = lo.min(m.cosine[i][j]);
            hi = hi.max(m.cosine[i][j]);
        }
    }
    (lo, hi)
}

/// The colour bar's light (least similar) and dark (most similar) ends as the display shows
/// them.
fn scale_ends(m: &SimilarityMatrices, display: CosineDisplay) -> (String, String) {
    let (lo, hi) = off_diagonal_range(m);
    (show_cosine(lo, display), show_cosine(hi, display))
}

fn cosine_heading(m: &SimilarityMatrices, display: CosineDisplay) -> String {
    match display {
        CosineDisplay::Plain => "Cosine similarity of activation probabilities on T_i ∩ T_j".into(),
        CosineDisplay::DistanceScaled { exponent } => {
            let (lo, hi) = off_diagonal_range(m);
            format!(
                "1 - cosine similarity of activation probabilities on T_i ∩ T_j, in units of \
                 1e-{exponent} (the off-diagonal cosines lie in [{lo:.9}, {hi:.9}])"
            )
        }
    }
}

fn csv_of(labels: &[String], cell: impl Fn(usize, usize) -> String) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["language".to_string()];
    header.extend(labels.iter().cloned());
    w.write_record(&header)?;
    for (i, l) in labels.iter().enumerate() {
        let mut row = vec![l.clone()];
        row.extend((0..labels.len()).map(|j| cell(i, j)));
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("CSV: {e}"))
}

/// `similarity.json`, `.txt`, `similarity-{overlap,cosine}.csv` and `.png`.
pub fn write_similarity_files(
    o: &SimilarityOutcome,
    dir: &Path,
    plots: PlotFormats,
) -> anyhow::Result<Vec<PathBuf>> {
    let m = &o.matrices;
    let mut files = Vec::new();
    let json = dir.join("similarity.json");
    write_json(&json, o)?;
    files.push(json);
    let txt = dir.join("similarity.txt");
    write_atomic(&txt, render_similarity(o).as_bytes())?;
    files.push(txt);
    let overlap_csv = dir.join("similarity-overlap.csv");
    write_atomic(
        &overlap_csv,
        &csv_of(&m.languages, |i, j| m.overlap[i][j].to_string())?,
    )?;
    files.push(overlap_csv);
    let cosine_csv = dir.join("similarity-cosine.csv");
    write_atomic(
        &cosine_csv,
        &csv_of(&m.languages, |i, j| format!("{:.6}", m.cosine[i][j]))?,
    )?;
    files.push(cosine_csv);
    let jaccard_csv = dir.join("similarity-jaccard.csv");
    write_atomic(
        &jaccard_csv,
        &csv_of(&m.languages, |i, j| format!("{:.6}", m.jaccard[i][j]))?,
    )?;
    files.push(jaccard_csv);
    let cosine_all_csv = dir.join("similarity-cosine-all.csv");
    write_atomic(
        &cosine_all_csv,
        &csv_of(&m.languages, |i, j| format!("{:.8}", m.cosine_all[i][j]))?,
    )?;
    files.push(cosine_all_csv);
    let sets = describe_sets(&o.sets, o.generic, o.generic_excluded);
    files.extend(write_heat_map(
        &dir.join("similarity-overlap"),
        &HeatMap {
            title: format!("overlap |T_i ∩ T_j| · {} · {sets}", o.model.name),
            labels: m.languages.clone(),
            values: m
                .overlap
                .iter()
                .map(|r| r.iter().map(|&v| v as f64).collect())
                .collect(),
            decimals: 0,
            scale_off_diagonal: true,
            texts: None,
            scale_labels: None,
        },
        plots,
    )?);
    files.extend(write_heat_map(
        &dir.join("similarity-jaccard"),
        &HeatMap {
            title: format!(
                "Jaccard |T_i ∩ T_j| / |T_i ∪ T_j| · {} · {sets}",
                o.model.name
            ),
            labels: m.languages.clone(),
            values: m.jaccard.clone(),
            decimals: 2,
            scale_off_diagonal: true,
            texts: None,
            scale_labels: None,
        },
        plots,
    )?);
    let display = cosine_display(m);
    let k = m.languages.len();
    let (title, texts, scale_labels) = match display {
        CosineDisplay::Plain => (
            format!(
                "cosine of P(act>0) on T_i ∩ T_j · {} · {sets}",
                o.model.name
            ),
            None,
            None,
        ),
        CosineDisplay::DistanceScaled { exponent } => (
            format!(
                "1 - cosine (×1e-{exponent}) of P(act>0) on T_i ∩ T_j · {} · {sets}",
                o.model.name
            ),
            Some(
                (0..k)
                    .map(|i| (0..k).map(|j| cosine_cell(m, display, i, j)).collect())
                    .collect(),
            ),
            Some(scale_ends(m, display)),
        ),
    };
    files.extend(write_heat_map(
        &dir.join("similarity-cosine"),
        &HeatMap {
            title,
            labels: m.languages.clone(),
            // Colour by similarity either way: darker = more alike.
            values: m.cosine.clone(),
            decimals: 2,
            scale_off_diagonal: true,
            texts,
            scale_labels,
        },
        plots,
    )?);
    Ok(files)
}

pub fn render_similarity(o: &SimilarityOutcome) -> String {
    let m = &o.matrices;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Language similarity from neuron sets ({})",
        describe_sets(&o.sets, o.generic, o.generic_excluded)
    );
    let _ = writeln!(out, "model: {}", describe_model(&o.model));
    let _ = writeln!(out);
    let _ = writeln!(out, "Overlap counts |T_i ∩ T_j| (diagonal: |T_i|)");
    let _ = writeln!(
        out,
        "{}",
        table::matrix(&m.languages, |i, j| m.overlap[i][j].to_string())
    );
    let _ = writeln!(out);
    let display = cosine_display(m);
    let _ = writeln!(out, "{}", cosine_heading(m, display));
    let _ = writeln!(
        out,
        "{}",
        table::matrix(&m.languages, |i, j| cosine_cell(m, display, i, j))
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Jaccard similarity |T_i ∩ T_j| / |T_i ∪ T_j| (set sizes taken out)"
    );
    let _ = writeln!(
        out,
        "{}",
        table::matrix(&m.languages, |i, j| format!("{:.3}", m.jaccard[i][j]))
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Cosine similarity of activation probabilities over all neurons"
    );
    let _ = writeln!(
        out,
        "{}",
        table::matrix(&m.languages, |i, j| format!("{:.4}", m.cosine_all[i][j]))
    );
    let _ = writeln!(out);
    let mut t = table::table(
        &[
            "language",
            "family",
            "tokens",
            "|T_l|",
            "cut-off",
            "nearest by overlap",
            "nearest by cosine",
            "nearest by Jaccard",
            "nearest by all-neuron cosine",
        ],
        2,
    );
    for l in &o.languages {
        t.add_row(vec![
            l.language.clone(),
            l.family.clone(),
            table::count(l.tokens),
            l.set_size.to_string(),
            table::num(l.threshold, 4),
            l.nearest_by_overlap.clone().unwrap_or_else(|| "-".into()),
            l.nearest_by_cosine.clone().unwrap_or_else(|| "-".into()),
            l.nearest_by_jaccard.clone().unwrap_or_else(|| "-".into()),
            l.nearest_by_cosine_all
                .clone()
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    let _ = writeln!(out, "Languages");
    let _ = writeln!(out, "{t}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrices(cos: f64) -> SimilarityMatrices {
        SimilarityMatrices {
            languages: vec!["a".into(), "b".into()],
            overlap: vec![vec![3, 1], vec![1, 3]],
            cosine: vec![vec![1.0, cos], vec![cos, 1.0]],
            jaccard: vec![vec![1.0, 0.2], vec![0.2, 1.0]],
            cosine_all: vec![vec![1.0, 0.9], vec![0.9, 1.0]],
        }
    }

    #[test]
    fn near_one_cosines_are_shown_as_scaled_distances() {
        assert_eq!(cosine_display(&matrices(0.8)), CosineDisplay::Plain);
        let m = matrices(1.0 - 4.7e-8);
        let d = cosine_display(&m);
        // 4.7e-8 in units of 1e-8 is 4.70.
        assert_eq!(d, CosineDisplay::DistanceScaled { exponent: 8 });
        assert_eq!(cosine_cell(&m, d, 0, 1), "4.70");
        assert_eq!(cosine_cell(&m, d, 0, 0), "0.00");
        assert_eq!(cosine_display(&matrices(1.0)), CosineDisplay::Plain);
    }

    #[test]
    fn nearest_skips_the_diagonal_and_keeps_the_first_maximum() {
        assert_eq!(argmax_off_diagonal(&[9.0, 3.0, 5.0, 5.0], 0), Some(2));
        assert_eq!(argmax_off_diagonal(&[1.0], 0), None);
        assert_eq!(argmax_off_diagonal(&[0.2, 1.0, f64::NAN], 1), Some(0));
    }
}
