//! `bridgex`: the BridgeX command line. A clap front over the `cli` library, which holds every
//! command (see its docs); this file only maps flags to option structs and prints outcomes.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{ArgAction, Args, Parser, Subcommand};
use cli::args::{
    BridgeSetArg, DtypeArg, EngineArg, GenerateFormat, HsicArg, Lang, MtStyleArg, ScoringArg,
    SetsArg, SiteArg, ThresholdArg, set_method, unescape,
};
use cli::{
    BridgeOptions, EvalOptions, GenerateCommandOptions, LanguagePair, LayerRange, ModelOptions,
    OpenedModel, OutputFormat, PlotFormats, ProbeOptions, RouteArg, RunInfo, SimilarityOptions,
    StatsOptions, TaskArg,
};
use neuron_probe::{ArtifactStore, ProbeParams, RunContext, StatsParams, TextSelection};

const ABOUT: &str = "Find the best bridge language for cross-lingual in-context learning from a \
language model's own neurons (BridgeX-ICL, EMNLP 2025), and use it in prompts.";

const AFTER_HELP: &str = "Environment: BRIDGEX_DATA_DIR, BRIDGEX_DATA_MIRROR, BRIDGEX_ARTIFACTS_DIR, \
BRIDGEX_MODEL_DIR (same as the flags), BRIDGEX_GEMMA_GGUF (an existing copy of the default model), \
HF_HOME and HF_HUB_OFFLINE (hub models), RUST_LOG (log filter).\n\
Example: bridgex bridge --pair en-sw";

#[derive(Parser, Debug)]
#[command(name = "bridgex", version, about = ABOUT, after_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Global options")]
struct GlobalArgs {
    /// Where datasets are kept (fetched on demand) [default: ~/.cache/bridgex/data]
    #[arg(long, global = true, env = "BRIDGEX_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// A local copy of the data laid out like the data directory, used instead of the network
    #[arg(long, global = true, env = "BRIDGEX_DATA_MIRROR", value_name = "DIR")]
    data_mirror: Option<PathBuf>,
    /// Where cached pipeline results (statistics, probes) go [default: ~/.cache/bridgex/artifacts]
    #[arg(long, global = true, env = "BRIDGEX_ARTIFACTS_DIR", value_name = "DIR")]
    artifacts_dir: Option<PathBuf>,
    /// Cache of the default model file [default: ~/.cache/bridgex/models]
    #[arg(long, global = true, env = "BRIDGEX_MODEL_DIR", value_name = "DIR")]
    model_dir: Option<PathBuf>,
    /// More log output (-v: info, -vv: debug); RUST_LOG overrides
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
    /// No progress bars
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Rank the candidate bridges of a language pair: table, JSON and a per-layer plot
    Bridge(BridgeCmd),
    /// Overlap-count and cosine similarity of language neuron sets: tables, heat maps, JSON, CSV
    Similarity(SimilarityCmd),
    /// Compute (or load) the FLORES-200 neuron statistics of languages and summarise them
    Stats(StatsCmd),
    /// Compute (or load) the dictionary probe of a pair and summarise it
    Probe(ProbeCmd),
    /// Generate greedily from prompts (JSON adds token ids and top-k logits per step)
    Generate(GenerateCmd),
    /// Run a downstream task directly or through bridge languages and score it
    Eval(EvalCmd),
    /// List the languages the tool knows
    Languages(InfoCmd),
    /// Show the default model, supported formats and architectures, and what is cached
    Models(InfoCmd),
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Model")]
struct ModelArgs {
    /// The model: `gemma-3-270m`, a GGUF file, a Hugging Face checkpoint directory, or
    /// `hf:ORG/NAME[@REVISION][/FILE.gguf]`
    #[arg(long, default_value = "gemma-3-270m", value_name = "SPEC")]
    model: String,
    /// Compute device: cpu, cuda, cuda:N or wgpu (GPU devices need a build with
    /// `--features cuda` or `--features wgpu`)
    #[arg(long, default_value = "cpu", value_name = "DEVICE")]
    device: String,
    /// Float precision of the forward pass (artifacts are kept apart per precision)
    #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
    dtype: DtypeArg,
    /// Token budget of one forward batch (rows x padded length) [default: the runtime's, 4096]
    #[arg(long, value_name = "N")]
    batch_tokens: Option<usize>,
    /// Most sequences decoded together in generation [default: 32; a GPU wants a few hundred]
    #[arg(long, value_name = "N")]
    generation_rows: Option<usize>,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "FLORES-200 statistics")]
struct TextArgs {
    /// Use only the first N FLORES-200 devtest sentences per language (quick runs)
    /// [default: all 1012]
    #[arg(long, value_name = "N")]
    max_sentences: Option<usize>,
    /// Also count the FLORES dev sentences that SIB-200 carries (about 510 per language)
    #[arg(long)]
    sib_dev: bool,
    /// Window length in tokens, BOS included
    #[arg(long, default_value_t = 2048, value_name = "N")]
    window_tokens: usize,
    /// Windows per forward call (memory vs speed; does not change results)
    #[arg(long, default_value_t = 4, value_name = "N")]
    batch_windows: usize,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Neurons")]
struct SiteArgs {
    /// Where neurons are read in the gated MLP down(act(gate(x)) * up(x))
    #[arg(long, value_enum, default_value_t)]
    site: SiteArg,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Language neuron sets")]
struct SetArgs {
    /// How language neuron sets T_l are built
    #[arg(long, value_enum, default_value_t)]
    sets: SetsArg,
    /// Fraction of all neurons kept per language (both set methods)
    #[arg(long, default_value_t = 0.01, value_name = "FRACTION")]
    top_rate: f64,
    /// Cut-off of the top-rate rule
    #[arg(long, value_enum, default_value_t)]
    threshold: ThresholdArg,
    /// LAPE's filter and activation bars (quantiles of all probabilities)
    #[arg(long, default_value_t = 0.95, value_name = "QUANTILE")]
    lape_bar: f64,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Probe")]
struct ProbeArgs {
    /// Dictionary words in the probe
    #[arg(long, default_value_t = 500, value_name = "N")]
    probe_size: usize,
    /// If fewer words than this are translated correctly, warn and use unfiltered words
    #[arg(long, default_value_t = 50, value_name = "N")]
    min_understood: usize,
    /// Skip the "totally understand" filter (use words the model may not translate)
    #[arg(long)]
    no_filter: bool,
    /// Seed of the word order
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Also average over the tokens the model generates after each probe prompt
    #[arg(long)]
    include_generated: bool,
    /// Token budget of the filter's greedy translations
    #[arg(long, default_value_t = 30, value_name = "N")]
    filter_max_new_tokens: usize,
    /// Let the filter judge at most N words (in seeded order) before it stops looking
    /// [default: the whole split]
    #[arg(long, value_name = "N")]
    filter_max_words: Option<usize>,
    /// Prompts per model call (does not change results)
    #[arg(long, default_value_t = 16, value_name = "N")]
    batch_prompts: usize,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Output")]
struct OutArgs {
    /// What to print on standard output
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
    /// Directory for the JSON, text and image files
    #[arg(long, default_value = "bridgex-out", value_name = "DIR")]
    out: PathBuf,
}

#[derive(Args, Debug)]
struct BridgeCmd {
    /// The language pair, SRC-TGT (ISO 639-1 or FLORES-200 codes), e.g. en-sw
    #[arg(long, value_name = "SRC-TGT")]
    pair: LanguagePair,
    /// Candidate bridges, comma-separated [default: en,de,fr,it,pt,es minus SRC and TGT]
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    candidates: Vec<Lang>,
    /// Layers averaged into the bridge score, FIRST-LAST (0-based, inclusive)
    /// [default: round(0.3125 L)-(round(0.6875 L)-1), e.g. 6-11 for 18 layers, 10-21 for 32]
    #[arg(long, value_name = "FIRST-LAST")]
    layer_window: Option<LayerRange>,
    /// Which neurons stand for a candidate
    #[arg(long, value_enum, default_value_t)]
    bridge_set: BridgeSetArg,
    /// The kernel score
    #[arg(long, value_enum, default_value_t)]
    hsic: HsicArg,
    /// How the HSIC matrix is computed (same result, different cost)
    #[arg(long, value_enum, default_value_t)]
    engine: EngineArg,
    /// Score only the window's layers (faster; the plot then shows only the window)
    #[arg(long)]
    window_only: bool,
    /// Count window layers whose kernel bandwidth collapsed (≤ 2 neurons per set: the same
    /// score for every candidate) in the bridge score, as the reference code does
    #[arg(long)]
    keep_collapsed_layers: bool,
    /// Threads of the HSIC scorer (0 = all cores)
    #[arg(long, default_value_t = 0, value_name = "N")]
    hsic_threads: usize,
    /// Also write the plot as SVG
    #[arg(long)]
    svg: bool,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    text: TextArgs,
    #[command(flatten)]
    site: SiteArgs,
    #[command(flatten)]
    sets: SetArgs,
    #[command(flatten)]
    probe: ProbeArgs,
    #[command(flatten)]
    out: OutArgs,
}

#[derive(Args, Debug)]
struct SimilarityCmd {
    /// Languages, comma-separated [default: the paper's 15: en,de,fr,it,pt,es,zh,ja,ar,he,id,tl,fi,hu,sw]
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    langs: Vec<Lang>,
    /// Also write the heat maps as SVG
    #[arg(long)]
    svg: bool,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    text: TextArgs,
    #[command(flatten)]
    site: SiteArgs,
    #[command(flatten)]
    sets: SetArgs,
    #[command(flatten)]
    out: OutArgs,
}

#[derive(Args, Debug)]
struct StatsCmd {
    /// Languages, comma-separated, e.g. en,sw
    #[arg(long, value_delimiter = ',', required = true, value_name = "CODES")]
    lang: Vec<Lang>,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    text: TextArgs,
    #[command(flatten)]
    site: SiteArgs,
    #[command(flatten)]
    sets: SetArgs,
    #[command(flatten)]
    out: OutArgs,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, Default)]
enum SplitArg {
    /// Source ranks 0..5000 (the method's probe words)
    #[default]
    Train,
    /// The evaluation words
    Test,
    /// The whole dictionary
    Full,
}

#[derive(Args, Debug)]
struct ProbeCmd {
    /// The language pair, SRC-TGT, e.g. en-sw
    #[arg(long, value_name = "SRC-TGT")]
    pair: LanguagePair,
    /// Which part of the dictionary the words come from
    #[arg(long, value_enum, default_value_t)]
    split: SplitArg,
    /// Probe prompts listed in the table
    #[arg(long, default_value_t = 12, value_name = "N")]
    show_words: usize,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    site: SiteArgs,
    #[command(flatten)]
    probe: ProbeArgs,
    #[command(flatten)]
    out: OutArgs,
}

#[derive(Args, Debug)]
struct GenerateCmd {
    /// A prompt (repeat for several; `\n` and `\t` are turned into line breaks and tabs)
    #[arg(long, value_name = "TEXT")]
    prompt: Vec<String>,
    /// A file with one prompt per line (empty lines skipped; escapes as for --prompt)
    #[arg(long, value_name = "FILE")]
    prompts_file: Option<PathBuf>,
    /// Most tokens generated per prompt
    #[arg(long, default_value_t = 32, value_name = "N")]
    max_new_tokens: usize,
    /// Stop a prompt's generation at this string (repeatable; `\n` for a line break)
    #[arg(long, value_name = "TEXT")]
    stop: Vec<String>,
    /// Logits recorded per step in the JSON output
    #[arg(long, default_value_t = 5, value_name = "K")]
    top_k: usize,
    /// Do not prepend the BOS token
    #[arg(long)]
    no_bos: bool,
    /// Output form
    #[arg(long, value_enum, default_value_t)]
    format: GenerateFormat,
    #[command(flatten)]
    model: ModelArgs,
}

#[derive(Args, Debug)]
struct EvalCmd {
    /// The language pair, SRC-TGT (BLI and MT: SRC→TGT; XCOPA, SIB-200: in TGT; Belebele:
    /// passage in TGT, question in SRC)
    #[arg(long, value_name = "SRC-TGT")]
    pair: LanguagePair,
    /// The task
    #[arg(long, value_enum)]
    task: TaskArg,
    /// Routes: `direct` and/or `bridge:XX` (repeatable or comma-separated)
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "direct",
        value_name = "ROUTE"
    )]
    route: Vec<RouteArg>,
    /// Evaluate only N items, spread evenly over the task's items (quick runs)
    /// [default: all; Belebele the first 500]
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Items per generation batch
    #[arg(long, default_value_t = 16, value_name = "N")]
    batch_size: usize,
    /// How the bridge text enters the final MT prompt
    #[arg(long, value_enum, default_value_t)]
    mt_style: MtStyleArg,
    /// How XCOPA, SIB-200 and Belebele answers are read
    #[arg(long, value_enum, default_value_t)]
    scoring: ScoringArg,
    /// Answer requests the model has answered before from this file, and add new answers to
    /// it (one file per model and precision; `reproduce` keeps one under its runs/)
    #[arg(long, value_name = "FILE")]
    memo: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    out: OutArgs,
}

#[derive(Args, Debug)]
struct InfoCmd {
    /// What to print
    #[arg(long, value_enum, default_value_t)]
    format: OutputFormat,
}

fn non_empty(p: &Option<PathBuf>) -> Option<PathBuf> {
    p.as_ref().filter(|p| !p.as_os_str().is_empty()).cloned()
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

struct Env {
    data_dir: Option<PathBuf>,
    data_mirror: Option<PathBuf>,
    artifacts_dir: Option<PathBuf>,
    model_dir: Option<PathBuf>,
    quiet: bool,
}

impl Env {
    fn data(&self) -> anyhow::Result<fetch::DataStore> {
        let root = match &self.data_dir {
            Some(d) => d.clone(),
            None => fetch::default_root()?,
        };
        fetch::DataStore::new(root, self.data_mirror.clone())
            .context("opening the data directory (set --data-dir or BRIDGEX_DATA_DIR)")
    }

    fn ctx(&self) -> anyhow::Result<RunContext> {
        let store = match &self.artifacts_dir {
            Some(d) => ArtifactStore::new(d),
            None => ArtifactStore::from_env()?,
        };
        let ctx = RunContext::new(store);
        Ok(if self.quiet { ctx.quiet() } else { ctx })
    }

    fn model(&self, args: &ModelArgs, ctx: Option<&RunContext>) -> anyhow::Result<OpenedModel> {
        let options = ModelOptions {
            spec: args.model.clone(),
            device: args.device.clone(),
            dtype: args.dtype.into(),
            model_dir: self.model_dir.clone(),
            batch_tokens: args.batch_tokens,
            generation_rows: args.generation_rows,
        };
        OpenedModel::open(&options, ctx.map(|c| c.artifacts.root()))
    }
}

fn text_selection(t: &TextArgs) -> TextSelection {
    TextSelection {
        max_sentences: t.max_sentences,
        include_sib_dev: t.sib_dev,
    }
}

fn stats_params(t: &TextArgs, site: &SiteArgs) -> anyhow::Result<StatsParams> {
    if t.window_tokens < 2 {
        bail!("--window-tokens must be at least 2 (BOS plus one token)");
    }
    if t.batch_windows == 0 {
        bail!("--batch-windows must be at least 1");
    }
    Ok(StatsParams {
        window_tokens: t.window_tokens,
        site: site.site.into(),
        batch_windows: t.batch_windows,
    })
}

fn probe_params(p: &ProbeArgs, site: &SiteArgs) -> anyhow::Result<ProbeParams> {
    if p.probe_size == 0 {
        bail!("--probe-size must be at least 1 (the method's default is 500)");
    }
    if p.batch_prompts == 0 {
        bail!("--batch-prompts must be at least 1");
    }
    if p.filter_max_words == Some(0) {
        bail!("--filter-max-words must be at least 1 (leave it out to judge the whole split)");
    }
    Ok(ProbeParams {
        probe_size: p.probe_size,
        seed: p.seed,
        filter: !p.no_filter,
        min_survivors: p.min_understood,
        max_new_tokens: p.filter_max_new_tokens,
        max_candidates: p.filter_max_words,
        site: site.site.into(),
        include_generated: p.include_generated,
        batch_size: p.batch_prompts,
    })
}

fn sets_of(s: &SetArgs) -> anyhow::Result<neuron_probe::SetMethod> {
    Ok(set_method(s.sets, s.top_rate, s.threshold, s.lape_bar)?)
}

fn codes(langs: &[Lang]) -> Vec<String> {
    langs.iter().map(|l| l.code().to_string()).collect()
}

fn print_stdout(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .or_else(|e| {
            // A closed pipe (`| head`) is not an error of the command.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e)
            }
        })
        .context("writing to standard output")
}

fn json_text<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}

fn finish(run: &RunInfo, files: &[PathBuf], started: std::time::Instant) {
    eprintln!(
        "{} (total {} with opening the model and data)",
        run.summary_line(),
        cli::summary::format_duration(started.elapsed())
    );
    if !files.is_empty() {
        let list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        eprintln!("wrote {}", list.join(", "));
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let g = &cli.global;
    let env = Env {
        data_dir: non_empty(&g.data_dir),
        data_mirror: non_empty(&g.data_mirror),
        artifacts_dir: non_empty(&g.artifacts_dir),
        model_dir: non_empty(&g.model_dir),
        quiet: g.quiet,
    };
    match cli.command {
        Command::Bridge(c) => {
            let ctx = env.ctx()?;
            let data = env.data()?;
            let mut opts = BridgeOptions::new(c.pair);
            opts.candidates = codes(&c.candidates);
            opts.params.text = text_selection(&c.text);
            opts.params.stats = stats_params(&c.text, &c.site)?;
            opts.params.probe = probe_params(&c.probe, &c.site)?;
            opts.params.bridge.sets = sets_of(&c.sets)?;
            opts.params.bridge.variant = c.bridge_set.into();
            opts.params.bridge.hsic.kind = c.hsic.into();
            opts.params.bridge.hsic.engine = c.engine.engine();
            opts.params.bridge.hsic.threads = c.hsic_threads;
            opts.params.bridge.hsic.all_layers = !c.window_only;
            opts.params.bridge.hsic.keep_degenerate_layers = c.keep_collapsed_layers;
            opts.layer_window = c.layer_window;
            opts.out_dir = Some(c.out.out.clone());
            opts.plots = PlotFormats {
                png: true,
                svg: c.svg,
            };
            // Candidates are checked before the model is fetched or opened.
            cli::commands::common::resolve_candidates(
                c.pair.source.code,
                c.pair.target.code,
                &opts.candidates,
            )?;
            let mut model = env.model(&c.model, Some(&ctx))?;
            let outcome = cli::bridge(&mut model, &data, &ctx, &opts)?;
            match c.out.format {
                OutputFormat::Table => print_stdout(&cli::render_bridge(&outcome.report))?,
                OutputFormat::Json => print_stdout(&json_text(&outcome)?)?,
            }
            finish(&outcome.run, &outcome.files, started);
        }
        Command::Similarity(c) => {
            let ctx = env.ctx()?;
            let data = env.data()?;
            let opts = SimilarityOptions {
                languages: codes(&c.langs),
                text: text_selection(&c.text),
                stats: stats_params(&c.text, &c.site)?,
                sets: sets_of(&c.sets)?,
                out_dir: Some(c.out.out.clone()),
                plots: PlotFormats {
                    png: true,
                    svg: c.svg,
                },
            };
            let mut model = env.model(&c.model, Some(&ctx))?;
            let outcome = cli::similarity_command(&mut model, &data, &ctx, &opts)?;
            match c.out.format {
                OutputFormat::Table => print_stdout(&cli::render_similarity(&outcome))?,
                OutputFormat::Json => print_stdout(&json_text(&outcome)?)?,
            }
            finish(&outcome.run, &outcome.files, started);
        }
        Command::Stats(c) => {
            let ctx = env.ctx()?;
            let data = env.data()?;
            let mut opts = StatsOptions::new(codes(&c.lang));
            opts.text = text_selection(&c.text);
            opts.stats = stats_params(&c.text, &c.site)?;
            opts.sets = sets_of(&c.sets)?;
            opts.out_dir = Some(c.out.out.clone());
            let mut model = env.model(&c.model, Some(&ctx))?;
            let outcome = cli::stats_command(&mut model, &data, &ctx, &opts)?;
            match c.out.format {
                OutputFormat::Table => print_stdout(&cli::render_stats(&outcome))?,
                OutputFormat::Json => print_stdout(&json_text(&outcome)?)?,
            }
            finish(&outcome.run, &outcome.files, started);
        }
        Command::Probe(c) => {
            let ctx = env.ctx()?;
            let data = env.data()?;
            let mut opts = ProbeOptions::new(c.pair);
            opts.split = match c.split {
                SplitArg::Train => muse_dict::Split::Train,
                SplitArg::Test => muse_dict::Split::Test,
                SplitArg::Full => muse_dict::Split::Full,
            };
            opts.probe = probe_params(&c.probe, &c.site)?;
            opts.show_words = c.show_words;
            opts.out_dir = Some(c.out.out.clone());
            let mut model = env.model(&c.model, Some(&ctx))?;
            let outcome = cli::probe_command(&mut model, &data, &ctx, &opts)?;
            match c.out.format {
                OutputFormat::Table => print_stdout(&cli::render_probe(&outcome))?,
                OutputFormat::Json => print_stdout(&json_text(&outcome)?)?,
            }
            finish(&outcome.run, &outcome.files, started);
        }
        Command::Generate(c) => {
            let mut prompts: Vec<String> = c.prompt.iter().map(|p| unescape(p)).collect();
            if let Some(f) = &c.prompts_file {
                prompts.extend(read_prompts(f)?);
            }
            if prompts.is_empty() {
                bail!("no prompt: give --prompt TEXT (repeatable) or --prompts-file FILE");
            }
            let opts = GenerateCommandOptions {
                prompts,
                max_new_tokens: c.max_new_tokens,
                stop: c.stop.iter().map(|s| unescape(s)).collect(),
                top_k: c.top_k,
                add_bos: !c.no_bos,
            };
            let ctx = env.ctx().ok();
            let mut model = env.model(&c.model, ctx.as_ref())?;
            let outcome = cli::generate_command(&mut model, &opts)?;
            match c.format {
                GenerateFormat::Text => print_stdout(&cli::render_generate(&outcome))?,
                GenerateFormat::Json => print_stdout(&json_text(&outcome)?)?,
            }
            finish(&outcome.run, &[], started);
        }
        Command::Eval(c) => {
            let data = env.data()?;
            let mut opts = EvalOptions::new(c.pair, c.task, c.out.out.clone());
            opts.routes = c.route.iter().map(|r| r.0.clone()).collect();
            opts.limit = c.limit;
            opts.batch_size = c.batch_size;
            opts.mt_style = c.mt_style.into();
            opts.scoring = c.scoring.into();
            opts.memo = c.memo.clone();
            opts.progress = !env.quiet;
            let ctx = env.ctx().ok();
            let mut model = env.model(&c.model, ctx.as_ref())?;
            let outcome = cli::eval_command(&mut model, &data, &opts)?;
            match c.out.format {
                OutputFormat::Table => print_stdout(&cli::render_eval(&outcome))?,
                OutputFormat::Json => print_stdout(&json_text(&outcome)?)?,
            }
            finish(&outcome.run, &outcome.files, started);
        }
        Command::Languages(c) => {
            let rows = cli::languages();
            match c.format {
                OutputFormat::Table => print_stdout(&cli::render_languages(&rows))?,
                OutputFormat::Json => print_stdout(&json_text(&rows)?)?,
            }
        }
        Command::Models(c) => {
            let info = cli::models(env.model_dir.as_deref(), env.artifacts_dir.as_deref());
            match c.format {
                OutputFormat::Table => print_stdout(&cli::render_models(&info))?,
                OutputFormat::Json => print_stdout(&json_text(&info)?)?,
            }
        }
    }
    Ok(())
}

fn read_prompts(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "--prompts-file {}: cannot read it as UTF-8 text",
            path.display()
        )
    })?;
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(unescape)
        .collect())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.verbose);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
