//! [`NeuronModel`] for `llm_runtime::Model` (feature `runtime`).
//!
//! The runtime model does not know its own content digest, so [`RuntimeModel`] carries it: the
//! sha256 of the GGUF file ([`RuntimeModel::from_gguf`], [`RuntimeModel::from_spec`]), of the files of a Hugging Face
//! directory ([`hf_dir_digest`]), or one the caller already knows (a pinned download). The precision is part of the identity too, since bf16
//! and f32 activations differ and must not share artifacts.

use std::path::Path;

use llm_runtime::{Dtype, GenerateOptions, Model};
use sha2::{Digest, Sha256};

use crate::error::{ProbeError, Result};
use crate::model::{CaptureSite, CorpusStats, ModelIdentity, NeuronModel};

/// A runtime model with its identity.
#[derive(Debug, Clone)]
pub struct RuntimeModel {
    model: Model,
    name: String,
    weights_digest: String,
    precision: String,
}

fn precision_name(dtype: Dtype) -> String {
    format!("{dtype:?}").to_ascii_lowercase()
}

/// Map a runtime error into [`ProbeError::Model`] naming the model and the operation.
fn runtime_err(name: &str, op: &'static str) -> impl FnOnce(llm_runtime::Error) -> ProbeError {
    let model = name.to_string();
    move |e| ProbeError::Model {
        model,
        op,
        source: Box::new(e),
    }
}

fn file_sha256(path: &Path) -> Result<String> {
    Ok(fetch::sha256_file(path)?)
}

/// Digest of a Hugging Face checkpoint directory, for [`RuntimeModel::new`]: the sha256 of the
/// sorted `name sha256` lines of its `*.json` and `*.safetensors` files.
pub fn hf_dir_digest(dir: &Path) -> Result<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| ProbeError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|x| x == "json" || x == "safetensors")
        })
        .collect();
    if files.is_empty() {
        return Err(ProbeError::data(format!(
            "{}: no *.json or *.safetensors files to identify the model by",
            dir.display()
        )));
    }
    files.sort();
    let mut h = Sha256::new();
    for f in &files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        h.update(format!("{name} {}\n", file_sha256(f)?).as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

impl RuntimeModel {
    /// Wrap a loaded model whose weights digest is known (e.g. the pinned sha256 of its file).
    pub fn new(
        model: Model,
        name: impl Into<String>,
        weights_digest: impl Into<String>,
        dtype: Dtype,
    ) -> Self {
        RuntimeModel {
            model,
            name: name.into(),
            weights_digest: weights_digest.into(),
            precision: precision_name(dtype),
        }
    }

    /// Load a GGUF file; the digest is the file's sha256 (hashed once here).
    pub fn from_gguf(path: &Path, device: &str, dtype: Dtype) -> Result<Self> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let model = Model::from_gguf(path, device, dtype).map_err(runtime_err(&name, "load"))?;
        let digest = file_sha256(path)?;
        Ok(RuntimeModel::new(model, name, digest, dtype))
    }

    /// Resolve a model spec as `llm_runtime::spec` reads it (`gemma-3-270m`, a GGUF file, an HF
    /// directory, `hf:ORG/NAME`) and load it. The digest is the pinned sha256 for the default
    /// model (verified when it was fetched), else the file's sha256 or [`hf_dir_digest`].
    pub fn from_spec(spec: &str, device: &str, dtype: Dtype) -> Result<Self> {
        let resolved = llm_runtime::spec::resolve(spec).map_err(runtime_err(spec, "resolve"))?;
        let digest = if spec.trim() == llm_runtime::default_model::DEFAULT_MODEL {
            llm_runtime::default_model::gemma3_270m().sha256
        } else if resolved.path.is_dir() {
            hf_dir_digest(&resolved.path)?
        } else {
            file_sha256(&resolved.path)?
        };
        let model = Model::from_parts(&*resolved.weights, resolved.tokenizer, device, dtype)
            .map_err(runtime_err(spec, "load"))?;
        Ok(RuntimeModel::new(model, spec.trim(), digest, dtype))
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }
}

fn site(s: CaptureSite) -> llm_runtime::CaptureSite {
    match s {
        CaptureSite::GatePre => llm_runtime::CaptureSite::GatePre,
        CaptureSite::GateAct => llm_runtime::CaptureSite::GateAct,
        CaptureSite::Up => llm_runtime::CaptureSite::Up,
        CaptureSite::Product => llm_runtime::CaptureSite::Product,
    }
}

impl From<llm_runtime::CorpusStats> for CorpusStats {
    fn from(s: llm_runtime::CorpusStats) -> Self {
        CorpusStats {
            layers: s.layers,
            neurons: s.neurons,
            tokens: s.tokens,
            over_zero: s.over_zero,
            sum: s.sum,
            sum_sq: s.sum_sq,
        }
    }
}

impl NeuronModel for RuntimeModel {
    fn identity(&self) -> ModelIdentity {
        let config = self.model.config();
        let architecture = serde_json::to_value(config.architecture)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("{:?}", config.architecture));
        ModelIdentity {
            name: self.name.clone(),
            digest: self.weights_digest.clone(),
            architecture,
            precision: self.precision.clone(),
            layers: config.num_layers,
            neurons: config.intermediate_size,
        }
    }

    fn layers(&self) -> usize {
        self.model.config().num_layers
    }

    fn neurons(&self) -> usize {
        self.model.config().intermediate_size
    }

    fn bos_id(&self) -> Option<u32> {
        self.model.tokenizer().bos_id()
    }

    fn encode(&self, text: &str, add_bos: bool) -> Result<Vec<u32>> {
        self.model
            .tokenizer()
            .encode(text, add_bos)
            .map_err(runtime_err(&self.name, "encode"))
    }

    fn corpus_stats(&mut self, windows: &[Vec<u32>], s: CaptureSite) -> Result<CorpusStats> {
        Ok(self
            .model
            .corpus_stats(windows, site(s))
            .map_err(runtime_err(&self.name, "corpus_stats"))?
            .into())
    }

    fn prompt_means(
        &mut self,
        prompts: &[Vec<u32>],
        s: CaptureSite,
        include_generated: bool,
    ) -> Result<Vec<f32>> {
        let means = self
            .model
            .prompt_means(prompts, site(s), include_generated)
            .map_err(runtime_err(&self.name, "prompt_means"))?;
        Ok(means.data)
    }

    fn greedy(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> Result<Vec<String>> {
        let tokens = prompts
            .iter()
            .map(|p| self.encode(p, true))
            .collect::<Result<Vec<_>>>()?;
        let opts = GenerateOptions {
            max_new_tokens,
            stop: stop.iter().map(|s| s.to_string()).collect(),
        };
        Ok(self
            .model
            .generate(&tokens, opts)
            .map_err(runtime_err(&self.name, "generate"))?
            .into_iter()
            .map(|g| g.text)
            .collect())
    }

    fn continuation_logprobs(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>> {
        self.model
            .continuation_logprobs(pairs)
            .map_err(runtime_err(&self.name, "continuation_logprobs"))
    }
}
