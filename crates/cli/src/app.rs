//! What the commands run in: the model as they see it ([`AppModel`]: a [`NeuronModel`] that can
//! say how it was named and whether its weights had to be loaded) and the resolved global
//! options ([`AppEnv`]: data store, artifact cache, model cache, verbosity).

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use neuron_probe::{ArtifactStore, NeuronModel, RunContext};

use crate::args::{GlobalArgs, ModelArgs};
use crate::model::OpenedModel;
use crate::summary::{RunInfo, format_duration};

/// A model as the commands see it.
pub trait AppModel: NeuronModel {
    /// The spec and device the user named, for reports.
    fn spec_and_device(&self) -> Option<(String, String)> {
        None
    }

    /// Whether the weights are in memory (a lazily opened model loads them only when a stage
    /// must run).
    fn is_loaded(&self) -> bool {
        true
    }

    /// How long loading the weights took.
    fn load_time(&self) -> Option<Duration> {
        None
    }
}

#[cfg(feature = "testkit")]
impl AppModel for neuron_probe::testkit::FakeModel {}

impl AppModel for OpenedModel {
    fn spec_and_device(&self) -> Option<(String, String)> {
        Some((self.options().spec.clone(), self.options().device.clone()))
    }

    fn is_loaded(&self) -> bool {
        OpenedModel::is_loaded(self)
    }

    fn load_time(&self) -> Option<Duration> {
        OpenedModel::load_time(self)
    }
}

/// Every environment variable BridgeX reads, with what it does (listed by `bridgex --help`).
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("BRIDGEX_DATA_DIR", "where datasets are kept (--data-dir)"),
    (
        "BRIDGEX_DATA_MIRROR",
        "a local copy of the data used instead of the network (--data-mirror)",
    ),
    (
        "BRIDGEX_ARTIFACTS_DIR",
        "where statistics and probes are cached (--artifacts-dir)",
    ),
    (
        "BRIDGEX_MODEL_DIR",
        "cache of the named models' files (--model-dir)",
    ),
    (
        "BRIDGEX_THREADS",
        "threads of the CPU forward pass (--threads)",
    ),
    (
        "BRIDGEX_GEMMA_GGUF",
        "an existing copy of the default model's GGUF file",
    ),
    (
        "BRIDGEX_GEMMA_WHEEL_DIR",
        "a folder holding the default model's PyPI wheels",
    ),
    (
        "BRIDGEX_QWEN_GGUF",
        "an existing copy of qwen2.5-coder-0.5b's GGUF file",
    ),
    (
        "BRIDGEX_QWEN_WHEEL_DIR",
        "a folder holding qwen2.5-coder-0.5b's PyPI wheels",
    ),
    (
        "BRIDGEX_PROGRESS_SECS",
        "seconds between progress lines when stderr is a file (default 10)",
    ),
    (
        "BRIDGEX_KERNEL_CACHE",
        "0 leaves cubecl's compiled-kernel cache setting alone (GPU builds)",
    ),
    (
        "BRIDGEX_CUBLASLT",
        "1: dense products on CUDA through cuBLASLt (not yet checked on a GPU; off by default)",
    ),
    ("HF_HOME", "Hugging Face cache for hf:ORG/NAME models"),
    ("HF_HUB_CACHE", "the hub cache inside it, if elsewhere"),
    ("HF_HUB_OFFLINE", "1: use only what the hub cache holds"),
    ("RUST_LOG", "log filter (overrides -v)"),
];

/// The environment section of `--help`.
pub fn environment_help() -> String {
    let width = ENVIRONMENT.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::from("Environment:\n");
    for (name, what) in ENVIRONMENT {
        out.push_str(&format!("  {name:width$}  {what}\n"));
    }
    out.push_str("\nExample: bridgex bridge --pair en-sw");
    out
}

/// The global options resolved: what every command opens (data store, artifact cache, model)
/// and how much it says.
#[derive(Debug, Clone, Default)]
pub struct AppEnv {
    pub data_dir: Option<PathBuf>,
    pub data_mirror: Option<PathBuf>,
    pub artifacts_dir: Option<PathBuf>,
    pub model_dir: Option<PathBuf>,
    pub quiet: bool,
    /// When the command started (for the closing summary line).
    pub started: Option<Instant>,
}

fn non_empty(p: &Option<PathBuf>) -> Option<PathBuf> {
    p.as_ref().filter(|p| !p.as_os_str().is_empty()).cloned()
}

impl AppEnv {
    /// An empty `--data-dir ""` (or variable) counts as not given.
    pub fn new(g: &GlobalArgs) -> Self {
        AppEnv {
            data_dir: non_empty(&g.data_dir),
            data_mirror: non_empty(&g.data_mirror),
            artifacts_dir: non_empty(&g.artifacts_dir),
            model_dir: non_empty(&g.model_dir),
            quiet: g.quiet,
            started: Some(Instant::now()),
        }
    }

    /// Size the CPU thread pool burn's backend computes on (`--threads`); the first call in a
    /// process wins.
    pub fn set_threads(threads: Option<usize>) -> anyhow::Result<()> {
        if let Some(n) = threads {
            if n == 0 {
                anyhow::bail!("--threads must be at least 1 (leave it out to use every core)");
            }
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build_global()
                .map_err(|e| anyhow::anyhow!("--threads {n}: {e}"))?;
        }
        Ok(())
    }

    /// The data store (`--data-dir`, else `~/.cache/bridgex/data`) with its mirror.
    pub fn data(&self) -> anyhow::Result<fetch::DataStore> {
        let root = match &self.data_dir {
            Some(d) => d.clone(),
            None => fetch::default_root()?,
        };
        fetch::DataStore::new(root, self.data_mirror.clone())
            .context("opening the data directory (set --data-dir or BRIDGEX_DATA_DIR)")
    }

    /// Where artifacts go, and whether progress is drawn.
    pub fn ctx(&self) -> anyhow::Result<RunContext> {
        let store = match &self.artifacts_dir {
            Some(d) => ArtifactStore::new(d),
            None => ArtifactStore::from_env()?,
        };
        let ctx = RunContext::new(store);
        Ok(if self.quiet { ctx.quiet() } else { ctx })
    }

    /// Open (resolve and identify, not yet load) the model the flags name; digests are
    /// remembered next to the artifacts.
    pub fn model(&self, args: &ModelArgs, ctx: Option<&RunContext>) -> anyhow::Result<OpenedModel> {
        OpenedModel::open(
            &args.options(self.model_dir.clone()),
            ctx.map(|c| c.artifacts.root()),
        )
    }

    /// The closing lines on stderr: the run's summary and the files written.
    pub fn finish(&self, run: &RunInfo, files: &[PathBuf]) {
        let total = self.started.map(|s| s.elapsed()).unwrap_or_default();
        eprintln!(
            "{} (total {} with opening the model and data)",
            run.summary_line(),
            format_duration(total)
        );
        if !files.is_empty() {
            let list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            eprintln!("wrote {}", list.join(", "));
        }
    }
}

/// Log to stderr: warnings by default, `-v` info, `-vv` debug; `RUST_LOG` overrides.
pub fn init_logging(verbose: u8) {
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
