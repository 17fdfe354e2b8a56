//! [`NeuronModel`] for `llm_runtime::Model` (feature `runtime`).
//!
//! The runtime model does not know its own content digest, so [`RuntimeModel`] carries its
//! [`ModelIdentity`], computed by `llm_runtime::identity` (the one place that identifies
//! models): the pinned sha256 of a named model, the sha256 of a GGUF file, or the digest of a
//! Hugging Face directory's files, with the precision, since bf16 and f32 activations differ
//! and must not share artifacts.

use llm_runtime::{Dtype, GenerateOptions, Model};

use crate::error::{ProbeError, Result};
use crate::model::{CaptureSite, CorpusStats, ModelIdentity, NeuronModel};

/// A runtime model with its identity.
#[derive(Debug, Clone)]
pub struct RuntimeModel {
    model: Model,
    identity: ModelIdentity,
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

impl RuntimeModel {
    /// Wrap a loaded model and the identity `llm_runtime::identity` gave it.
    pub fn new(model: Model, identity: ModelIdentity) -> Self {
        RuntimeModel { model, identity }
    }

    /// Resolve a model spec as `llm_runtime::spec` reads it (`gemma-3-270m`, a GGUF file, an HF
    /// directory, `hf:ORG/NAME`), identify it and load it.
    pub fn from_spec(spec: &str, device: &str, dtype: Dtype) -> Result<Self> {
        let (resolved, identity) = llm_runtime::identity::open_identified(spec, dtype, None, None)
            .map_err(runtime_err(spec, "resolve"))?;
        let model = Model::from_parts(&*resolved.weights, resolved.tokenizer, device, dtype)
            .map_err(runtime_err(spec, "load"))?;
        Ok(RuntimeModel::new(model, identity))
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }
}

impl NeuronModel for RuntimeModel {
    fn identity(&self) -> ModelIdentity {
        self.identity.clone()
    }

    fn layers(&self) -> usize {
        self.model.config().num_layers
    }

    fn neurons(&self) -> usize {
        self.model.config().intermediate_size
    }

    fn bos_id(&self) -> Option<u32> {
        self.model.tokenizer().prepended_bos()
    }

    fn encode(&self, text: &str, add_bos: bool) -> Result<Vec<u32>> {
        self.model
            .tokenizer()
            .encode(text, add_bos)
            .map_err(runtime_err(&self.identity.name, "encode"))
    }

    fn corpus_stats(&mut self, windows: &[Vec<u32>], s: CaptureSite) -> Result<CorpusStats> {
        self.model
            .corpus_stats(windows, s)
            .map_err(runtime_err(&self.identity.name, "corpus_stats"))
    }

    fn prompt_means(
        &mut self,
        prompts: &[Vec<u32>],
        s: CaptureSite,
        include_generated: bool,
    ) -> Result<Vec<f32>> {
        let means = self
            .model
            .prompt_means(prompts, s, include_generated)
            .map_err(runtime_err(&self.identity.name, "prompt_means"))?;
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
            .map_err(runtime_err(&self.identity.name, "generate"))?
            .into_iter()
            .map(|g| g.text)
            .collect())
    }

    fn continuation_logprobs(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>> {
        self.model
            .continuation_logprobs(pairs)
            .map_err(runtime_err(&self.identity.name, "continuation_logprobs"))
    }
}
