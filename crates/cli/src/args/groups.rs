//! Flag groups shared by the commands and by `cargo xtask reproduce`: one clap `Args` struct
//! per concern, each with its conversion into the option type of the crate that implements
//! it, and the checks that name the flag at fault.

use std::path::PathBuf;

use anyhow::bail;
use clap::{ArgAction, Args};
use neuron_probe::{GenericNeurons, ProbeParams, SetMethod, StatsParams, TextSelection};

use super::values::{
    DtypeArg, GenericArg, OutputFormat, SetsArg, SiteArg, ThresholdArg, generic_neurons, set_method,
};
use crate::model::ModelOptions;

/// Where data, artifacts and models live, and how much the command says.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Where datasets are kept (fetched on demand) [default: ~/.cache/bridgex/data]
    #[arg(long, global = true, env = "BRIDGEX_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A local copy of the data laid out like the data directory, used instead of the network
    #[arg(long, global = true, env = "BRIDGEX_DATA_MIRROR", value_name = "DIR")]
    pub data_mirror: Option<PathBuf>,
    /// Where cached pipeline results (statistics, probes) go [default: ~/.cache/bridgex/artifacts]
    #[arg(long, global = true, env = "BRIDGEX_ARTIFACTS_DIR", value_name = "DIR")]
    pub artifacts_dir: Option<PathBuf>,
    /// Cache of the named models' files [default: ~/.cache/bridgex/models]
    #[arg(long, global = true, env = "BRIDGEX_MODEL_DIR", value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
    /// Threads of the CPU forward pass [default: every core]
    #[arg(long, global = true, env = "BRIDGEX_THREADS", value_name = "N")]
    pub threads: Option<usize>,
    /// More log output (-v: info, -vv: debug); RUST_LOG overrides
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// No progress bars
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// Which model, on which device, in what precision, in what batches.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Model")]
pub struct ModelArgs {
    /// The model: a named model (`gemma-3-270m`, `qwen2.5-coder-0.5b`; `bridgex models` lists
    /// them), a GGUF file, a Hugging Face checkpoint directory, or
    /// `hf:ORG/NAME[@REVISION][/FILE.gguf]`
    #[arg(long, default_value = llm_runtime::models::DEFAULT_MODEL, value_name = "SPEC")]
    pub model: String,
    /// Compute device: cpu, cuda, cuda:N or wgpu (GPU devices need a build with
    /// `--features cuda` or `--features wgpu`)
    #[arg(long, default_value = "cpu", value_name = "DEVICE")]
    pub device: String,
    /// Float precision of the forward pass (artifacts are kept apart per precision)
    #[arg(long, value_enum, default_value_t = DtypeArg::F32)]
    pub dtype: DtypeArg,
    /// Token budget of one forward batch (rows x padded length) [default: the runtime's, 4096]
    #[arg(long, value_name = "N")]
    pub batch_tokens: Option<usize>,
    /// Most sequences decoded together in generation [default: 32; a GPU wants a few hundred]
    #[arg(long, value_name = "N")]
    pub generation_rows: Option<usize>,
}

impl ModelArgs {
    /// The model options, with named models cached in `model_dir`.
    pub fn options(&self, model_dir: Option<PathBuf>) -> ModelOptions {
        ModelOptions {
            spec: self.model.clone(),
            device: self.device.clone(),
            dtype: self.dtype.into(),
            model_dir,
            batch_tokens: self.batch_tokens,
            generation_rows: self.generation_rows,
        }
    }
}

/// Which FLORES-200 text the statistics count, in what windows.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "FLORES-200 statistics")]
pub struct TextArgs {
    /// Use only the first N FLORES-200 devtest sentences per language (quick runs)
    /// [default: all 1012]
    #[arg(long, value_name = "N")]
    pub max_sentences: Option<usize>,
    /// Also count the FLORES dev sentences that SIB-200 carries (about 510 per language)
    #[arg(long)]
    pub sib_dev: bool,
    /// Window length in tokens, BOS included
    #[arg(long, default_value_t = 2048, value_name = "N")]
    pub window_tokens: usize,
    /// Windows per forward call (memory vs speed; does not change results)
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub batch_windows: usize,
}

impl TextArgs {
    pub fn selection(&self) -> TextSelection {
        TextSelection {
            max_sentences: self.max_sentences,
            include_sib_dev: self.sib_dev,
        }
    }

    pub fn stats_params(&self, site: &SiteArgs) -> anyhow::Result<StatsParams> {
        if self.window_tokens < 2 {
            bail!("--window-tokens must be at least 2 (BOS plus one token)");
        }
        if self.batch_windows == 0 {
            bail!("--batch-windows must be at least 1");
        }
        Ok(StatsParams {
            window_tokens: self.window_tokens,
            site: site.site.into(),
            batch_windows: self.batch_windows,
        })
    }
}

/// Where neurons are read.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Neurons")]
pub struct SiteArgs {
    /// Where neurons are read in the gated MLP down(act(gate(x)) * up(x))
    #[arg(long, value_enum, default_value_t)]
    pub site: SiteArg,
}

/// How language neuron sets are built.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Language neuron sets")]
pub struct SetArgs {
    /// How language neuron sets T_l are built
    #[arg(long, value_enum, default_value_t)]
    pub sets: SetsArg,
    /// Fraction of all neurons kept per language (both set methods)
    #[arg(long, default_value_t = 0.01, value_name = "FRACTION")]
    pub top_rate: f64,
    /// Cut-off of the top-rate rule
    #[arg(long, value_enum, default_value_t)]
    pub threshold: ThresholdArg,
    /// LAPE's filter and activation bars (quantiles of all probabilities)
    #[arg(long, default_value_t = 0.95, value_name = "QUANTILE")]
    pub lape_bar: f64,
    /// Generic neurons (active for every language alike) left out before the sets are taken
    #[arg(long, value_enum, default_value_t)]
    pub generic: GenericArg,
    /// The probability bar of `--generic above-bar`
    #[arg(long, default_value_t = 0.99, value_name = "P")]
    pub generic_bar: f64,
}

impl SetArgs {
    pub fn method(&self) -> anyhow::Result<SetMethod> {
        Ok(set_method(
            self.sets,
            self.top_rate,
            self.threshold,
            self.lape_bar,
        )?)
    }

    pub fn generic(&self) -> anyhow::Result<GenericNeurons> {
        Ok(generic_neurons(self.generic, self.generic_bar)?)
    }
}

/// The dictionary probe and its understanding filter.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Probe")]
pub struct ProbeArgs {
    /// Dictionary words in the probe
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub probe_size: usize,
    /// If fewer words than this are translated correctly, warn and use unfiltered words
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub min_understood: usize,
    /// Skip the "totally understand" filter (use words the model may not translate)
    #[arg(long)]
    pub no_filter: bool,
    /// Seed of the word order
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Also average over the tokens the model generates after each probe prompt
    #[arg(long)]
    pub include_generated: bool,
    /// Token budget of the filter's greedy translations
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub filter_max_new_tokens: usize,
    /// Let the filter judge at most N words (in seeded order) before it stops looking
    /// [default: the whole split]
    #[arg(long, value_name = "N")]
    pub filter_max_words: Option<usize>,
    /// Prompts per model call (does not change results)
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub batch_prompts: usize,
}

impl ProbeArgs {
    pub fn params(&self, site: &SiteArgs) -> anyhow::Result<ProbeParams> {
        if self.probe_size == 0 {
            bail!("--probe-size must be at least 1 (the method's default is 500)");
        }
        if self.batch_prompts == 0 {
            bail!("--batch-prompts must be at least 1");
        }
        if self.filter_max_words == Some(0) {
            bail!("--filter-max-words must be at least 1 (leave it out to judge the whole split)");
        }
        Ok(ProbeParams {
            probe_size: self.probe_size,
            seed: self.seed,
            filter: !self.no_filter,
            min_survivors: self.min_understood,
            max_new_tokens: self.filter_max_new_tokens,
            max_candidates: self.filter_max_words,
            site: site.site.into(),
            include_generated: self.include_generated,
            batch_size: self.batch_prompts,
        })
    }
}

/// What goes to standard output and where files go.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Output")]
pub struct OutArgs {
    /// What to print on standard output
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Directory for the JSON, text and image files
    #[arg(long, default_value = "bridgex-out", value_name = "DIR")]
    pub out: PathBuf,
}
