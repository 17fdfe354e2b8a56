//! Opening a model spec for the commands, lazily: the spec is resolved (file found or fetched,
//! header and tokenizer read) and identified at once, but the weights are put on the device
//! only when a stage must run the model. A run whose statistics and probe all come from
//! cached artifacts never loads the weights, which is what makes a repeated `bridge` fast.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use llm_runtime::spec::{ModelFormat, ResolvedModel};
use llm_runtime::tokenizer::Tokenizer;
use llm_runtime::{Dtype, ModelConfig, RuntimeDevice};
use neuron_probe::{
    CaptureSite, CorpusStats, ModelIdentity, NeuronModel, ProbeError, RuntimeModel,
};
use serde::{Deserialize, Serialize};

/// Which model, where, in what precision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelOptions {
    /// A named model (`gemma-3-270m`, `qwen2.5-coder-0.5b`), a GGUF file, an HF directory, or
    /// `hf:ORG/NAME[@REV][/FILE.gguf]`.
    pub spec: String,
    /// `cpu`, `cuda[:N]`, `wgpu`.
    pub device: String,
    pub dtype: Dtype,
    /// Cache directory of the named models (`None` = `$BRIDGEX_MODEL_DIR` or
    /// `~/.cache/bridgex/models`).
    pub model_dir: Option<PathBuf>,
    /// Token budget of one forward batch (`None` = the runtime's default).
    pub batch_tokens: Option<usize>,
    /// Most sequences decoded together (`None` = the runtime's default, 32).
    #[serde(default)]
    pub generation_rows: Option<usize>,
}

impl Default for ModelOptions {
    fn default() -> Self {
        ModelOptions {
            spec: llm_runtime::models::DEFAULT_MODEL.to_string(),
            device: "cpu".to_string(),
            dtype: Dtype::F32,
            model_dir: None,
            batch_tokens: None,
            generation_rows: None,
        }
    }
}

/// What to say when `spec` cannot be opened: for a named model, the variables that point at a
/// local copy or a folder of its wheels.
fn open_hint(spec: &str) -> String {
    match llm_runtime::models::named(spec.trim()) {
        Some(a) => {
            let mut ways = Vec::new();
            if let Some(v) = a.env_file {
                ways.push(format!("set {v} to an existing copy of {}", a.file_name));
            }
            if let Some(v) = a.env_wheel_dir {
                ways.push(format!("{v} to a folder of its wheels"));
            }
            if ways.is_empty() {
                format!("opening model `{spec}`")
            } else {
                format!("opening model `{spec}` ({})", ways.join(", or "))
            }
        }
        None => format!("opening model `{spec}`"),
    }
}

/// A resolved model whose weights are loaded on first use.
pub struct OpenedModel {
    options: ModelOptions,
    path: PathBuf,
    format: ModelFormat,
    config: ModelConfig,
    tokenizer: Tokenizer,
    identity: ModelIdentity,
    /// Until the weights are loaded.
    resolved: Option<ResolvedModel>,
    loaded: Option<RuntimeModel>,
    load_time: Option<Duration>,
}

impl std::fmt::Debug for OpenedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedModel")
            .field("spec", &self.options.spec)
            .field("path", &self.path)
            .field("identity", &self.identity)
            .field("loaded", &self.loaded.is_some())
            .finish()
    }
}

impl OpenedModel {
    /// Resolve `options.spec` (fetching a named model if needed) and identify it.
    /// `digest_cache` is a directory where content digests of model files are remembered by
    /// path, size and modification time, so big files are hashed once.
    pub fn open(options: &ModelOptions, digest_cache: Option<&Path>) -> anyhow::Result<Self> {
        // Fail on a bad device before any work (a CPU-only build names the feature to enable).
        RuntimeDevice::parse(&options.device)
            .with_context(|| format!("--device {}", options.device))?;
        let (resolved, identity) = llm_runtime::identity::open_identified(
            &options.spec,
            options.dtype,
            options.model_dir.as_deref(),
            digest_cache,
        )
        .with_context(|| open_hint(&options.spec))?;
        let config = resolved.weights.config().clone();
        let tokenizer = resolved.tokenizer.clone();
        let path = resolved.path.clone();
        Ok(OpenedModel {
            options: options.clone(),
            path,
            format: resolved.format,
            config,
            tokenizer,
            identity,
            resolved: Some(resolved),
            loaded: None,
            load_time: None,
        })
    }

    pub fn options(&self) -> &ModelOptions {
        &self.options
    }

    /// The GGUF file or HF directory the model is read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> ModelFormat {
        self.format
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Whether the weights have been put on the device.
    pub fn is_loaded(&self) -> bool {
        self.loaded.is_some()
    }

    /// How long loading the weights took (`None` = not loaded).
    pub fn load_time(&self) -> Option<Duration> {
        self.load_time
    }

    /// The loaded model, loading it now if needed.
    pub fn runtime(&mut self) -> Result<&mut RuntimeModel, ProbeError> {
        if self.loaded.is_none() {
            let model_err = |e: llm_runtime::Error| ProbeError::Model {
                model: self.identity.name.clone(),
                op: "load",
                source: Box::new(e),
            };
            let resolved = self.resolved.take().ok_or_else(|| ProbeError::Contract {
                model: self.identity.name.clone(),
                op: "load",
                what: "the weights were released after a failed load; open the model again".into(),
            })?;
            let start = Instant::now();
            tracing::info!(
                "loading {} onto {} ({})",
                self.path.display(),
                self.options.device,
                self.options.dtype
            );
            let mut model = llm_runtime::Model::from_parts(
                resolved.weights.as_ref(),
                resolved.tokenizer,
                &self.options.device,
                self.options.dtype,
            )
            .map_err(model_err)?;
            if let Some(t) = self.options.batch_tokens {
                model.set_batch_tokens(t);
            }
            if let Some(r) = self.options.generation_rows {
                model.set_generation_rows(r);
            }
            let wrapped = RuntimeModel::new(model, self.identity.clone());
            self.load_time = Some(start.elapsed());
            self.loaded = Some(wrapped);
        }
        self.loaded.as_mut().ok_or_else(|| ProbeError::Contract {
            model: self.identity.name.clone(),
            op: "load",
            what: "model missing after loading".into(),
        })
    }
}

impl NeuronModel for OpenedModel {
    fn identity(&self) -> ModelIdentity {
        self.identity.clone()
    }

    fn layers(&self) -> usize {
        self.config.num_layers
    }

    fn neurons(&self) -> usize {
        self.config.intermediate_size
    }

    fn bos_id(&self) -> Option<u32> {
        self.tokenizer.prepended_bos()
    }

    fn encode(&self, text: &str, add_bos: bool) -> neuron_probe::Result<Vec<u32>> {
        self.tokenizer
            .encode(text, add_bos)
            .map_err(|e| ProbeError::Model {
                model: self.identity.name.clone(),
                op: "encode",
                source: Box::new(e),
            })
    }

    fn corpus_stats(
        &mut self,
        windows: &[Vec<u32>],
        site: CaptureSite,
    ) -> neuron_probe::Result<CorpusStats> {
        self.runtime()?.corpus_stats(windows, site)
    }

    fn prompt_means(
        &mut self,
        prompts: &[Vec<u32>],
        site: CaptureSite,
        include_generated: bool,
    ) -> neuron_probe::Result<Vec<f32>> {
        self.runtime()?
            .prompt_means(prompts, site, include_generated)
    }

    fn greedy(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> neuron_probe::Result<Vec<String>> {
        self.runtime()?.greedy(prompts, max_new_tokens, stop)
    }

    fn continuation_logprobs(
        &mut self,
        pairs: &[(String, String)],
    ) -> neuron_probe::Result<Vec<f64>> {
        self.runtime()?.continuation_logprobs(pairs)
    }
}
