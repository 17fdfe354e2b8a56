//! `cargo xtask reproduce`: command-line front of [`xtask::reproduce`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args as ClapArgs;
use cli::args::{GlobalArgs, ModelArgs};
use cli::{AppEnv, ScoringArg, TaskArg};
use xtask::reproduce::{ReproduceOptions, plan, render_summary, reproduce};

#[derive(ClapArgs)]
pub struct Args {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(flatten)]
    model: ModelArgs,
    /// Language pairs SRC-TGT, comma-separated (default: the study's 15, see REPORT.md)
    #[arg(long, value_delimiter = ',')]
    pairs: Vec<String>,
    /// Tasks, comma-separated (default: all)
    #[arg(long, value_enum, value_delimiter = ',')]
    tasks: Vec<TaskArg>,
    /// Items per task and route, spread evenly over each task's items (quick runs); default
    /// all (Belebele: the first 500)
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// FLORES devtest sentences per language for the statistics (default all 1012)
    #[arg(long, value_name = "N")]
    stats_sentences: Option<usize>,
    /// Words in each pair's probe
    #[arg(long, default_value_t = 500, value_name = "N")]
    probe_size: usize,
    /// The understanding filter judges at most this many words (default: the whole train split)
    #[arg(long, value_name = "N")]
    filter_max_words: Option<usize>,
    /// Count σ-collapsed layers in the bridge score, as the reference code does
    #[arg(long)]
    keep_collapsed_layers: bool,
    /// How XCOPA, SIB-200 and Belebele answers are read: the likeliest option (default), or
    /// generated and parsed
    #[arg(long, value_enum, default_value_t)]
    scoring: ScoringArg,
    /// Items per generation batch; unless --generation-rows says otherwise, the runtime
    /// decodes up to this many rows together, and at least 32 (a GPU wants a few hundred)
    #[arg(long, default_value_t = 16, value_name = "N")]
    batch_size: usize,
    /// Output folder (default: docs/results/<model name>)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run nothing: rewrite REPORT.md and the CSV files from the output folder's results.json
    /// (e.g. after upgrading BridgeX, or to render a run stopped part-way)
    #[arg(long)]
    report_only: bool,
}

fn model_dir_name(spec: &str) -> String {
    let base = spec
        .rsplit(['/', ':'])
        .next()
        .unwrap_or(spec)
        .trim_end_matches(".gguf");
    base.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("docs/results").join(model_dir_name(&args.model.model)));
    if args.report_only {
        let path = out.join("results.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (run reproduce first)", path.display()))?;
        let results: xtask::reproduce::results::Results = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a reproduce results document", path.display()))?;
        xtask::reproduce::write_outputs(&results, &out)?;
        print!("{}", render_summary(&results));
        eprintln!("rewrote {}/REPORT.md from results.json", out.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut opts = ReproduceOptions::new(out);
    opts.pairs = plan::pairs(Some(&args.pairs))?;
    if !args.tasks.is_empty() {
        opts.tasks = args.tasks.clone();
    }
    opts.limit = args.limit;
    opts.stats_sentences = args.stats_sentences;
    opts.probe_size = args.probe_size;
    opts.filter_max_words = args.filter_max_words;
    opts.keep_collapsed_layers = args.keep_collapsed_layers;
    opts.scoring = args.scoring.into();
    opts.batch_size = args.batch_size;
    opts.device = args.model.device.clone();
    opts.progress = !args.global.quiet;
    opts.command = std::iter::once("cargo xtask reproduce".to_string())
        .chain(std::env::args().skip(2))
        .collect::<Vec<_>>()
        .join(" ");
    let env = AppEnv::new(&args.global);
    let mut model_args = args.model.clone();
    model_args.generation_rows = model_args.generation_rows.or(Some(
        args.batch_size
            .max(llm_runtime::generate::DEFAULT_GENERATION_ROWS),
    ));
    let ctx = env.ctx()?;
    let data = env
        .data()
        .context("opening the data folder (BRIDGEX_DATA_DIR, BRIDGEX_DATA_MIRROR)")?;
    let mut model = env.model(&model_args, Some(&ctx))?;
    let results = reproduce(&mut model, &data, &ctx, &opts)?;
    print!("{}", render_summary(&results));
    eprintln!("wrote {}/REPORT.md", opts.out_dir.display());
    Ok(ExitCode::SUCCESS)
}
