//! `cargo xtask rules`: command-line front of [`xtask::rules`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args as ClapArgs;
use cli::AppEnv;
use cli::args::{GlobalArgs, ModelArgs};
use neuron_probe::{ConfidenceParams, GenericNeurons, PipelineParams, TextSelection};
use xtask::reproduce::plan;
use xtask::rules::{compare, render_markdown, write_outputs};

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Language pairs SRC-TGT, comma-separated (default: the study's 15)
    #[arg(long, value_delimiter = ',')]
    pairs: Vec<String>,
    /// Bootstrap replicates per pair and rule
    #[arg(long, default_value_t = 200, value_name = "N")]
    replicates: usize,
    /// Seed of the bootstrap
    #[arg(long, default_value_t = 0, value_name = "N")]
    seed: u64,
    /// FLORES devtest sentences per language for the statistics (default all 1012)
    #[arg(long, value_name = "N")]
    stats_sentences: Option<usize>,
    /// Words in each pair's probe
    #[arg(long, default_value_t = 500, value_name = "N")]
    probe_size: usize,
    /// The understanding filter judges at most this many words (default: the whole train split)
    #[arg(long, value_name = "N")]
    filter_max_words: Option<usize>,
    /// Output folder for rules.md and rules.json
    #[arg(long, default_value = "docs/trust", value_name = "DIR")]
    out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let pairs: Vec<(String, String)> = plan::pairs(Some(&args.pairs))?
        .iter()
        .map(|p| (p.source.code.to_string(), p.target.code.to_string()))
        .collect();
    let mut params = PipelineParams {
        text: TextSelection {
            max_sentences: args.stats_sentences,
            ..TextSelection::default()
        },
        ..PipelineParams::default()
    };
    params.probe.probe_size = args.probe_size;
    // As in reproduce: a probe smaller than the filter's minimum lowers the minimum.
    params.probe.min_survivors = params.probe.min_survivors.min(args.probe_size);
    params.probe.max_candidates = args.filter_max_words;
    let conf = ConfidenceParams {
        replicates: args.replicates,
        seed: args.seed,
        ..ConfidenceParams::default()
    };
    let env = AppEnv::new(&args.global);
    let ctx = env.ctx()?;
    let data = env
        .data()
        .context("opening the data folder (BRIDGEX_DATA_DIR, BRIDGEX_DATA_MIRROR)")?;
    let mut model = env.model(&args.model, Some(&ctx))?;
    let generic = [
        GenericNeurons::Keep,
        GenericNeurons::InEverySet,
        GenericNeurons::AboveBar { bar: 0.99 },
        GenericNeurons::AboveBar { bar: 0.9 },
    ];
    let comparison = compare(
        &mut model,
        &data,
        &ctx,
        &pairs,
        &[],
        &params,
        &conf,
        &generic,
    )?;
    let files = write_outputs(&comparison, &args.out)?;
    print!("{}", render_markdown(&comparison));
    for f in files {
        eprintln!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
