//! The public model API: a [`Transformer`] on a device plus its [`Tokenizer`].

use std::path::Path;

use crate::capture::{CaptureSite, CorpusStats, PromptMeans};
use crate::device::{Dtype, RuntimeDevice};
use crate::error::Result;
use crate::family::ModelConfig;
use crate::generate::{GenerateOptions, Generation};
use crate::loader::GgufWeights;
use crate::model::Transformer;
use crate::tokenizer::Tokenizer;
use crate::weights::WeightSource;

/// A loaded model: weights on a device and the tokenizer.
#[derive(Debug, Clone)]
pub struct Model {
    transformer: Transformer,
    tokenizer: Tokenizer,
}

impl Model {
    /// Build from any weight source and tokenizer. `device`: `cpu`, `cuda[:N]` or `wgpu`.
    pub fn from_parts(
        weights: &dyn WeightSource,
        tokenizer: Tokenizer,
        device: &str,
        dtype: Dtype,
    ) -> Result<Model> {
        let device = RuntimeDevice::parse(device)?;
        let mut transformer = Transformer::from_weights(weights, &device, dtype)?;
        let mut eos: Vec<u32> = transformer.eos_ids().to_vec();
        for &e in tokenizer.eos_ids() {
            if !eos.contains(&e) {
                eos.push(e);
            }
        }
        transformer.set_eos_ids(eos);
        Ok(Model {
            transformer,
            tokenizer,
        })
    }

    /// Load a model spec (a named model such as `gemma-3-270m`, a GGUF file, an HF directory,
    /// `hf:ORG/NAME`; see [`crate::spec`]) onto `device` (`cpu`, `cuda[:N]`, `wgpu`).
    pub fn load(spec: &str, device: &str, dtype: Dtype) -> Result<Model> {
        let resolved = crate::spec::resolve(spec)?;
        Model::from_parts(resolved.weights.as_ref(), resolved.tokenizer, device, dtype)
    }

    /// Load a GGUF file (weights and embedded tokenizer).
    pub fn from_gguf(path: impl AsRef<Path>, device: &str, dtype: Dtype) -> Result<Model> {
        let weights = GgufWeights::open(path)?;
        let tokenizer = weights.tokenizer()?;
        Model::from_parts(&weights, tokenizer, device, dtype)
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn config(&self) -> &ModelConfig {
        self.transformer.config()
    }

    /// The token-level model.
    pub fn transformer(&self) -> &Transformer {
        &self.transformer
    }

    /// The token-level model, mutable (batch size, EOS ids).
    pub fn transformer_mut(&mut self) -> &mut Transformer {
        &mut self.transformer
    }

    pub fn device(&self) -> &RuntimeDevice {
        self.transformer.device()
    }

    /// Token budget of one batch (rows x padded length), default 4096.
    pub fn set_batch_tokens(&mut self, tokens: usize) {
        self.transformer.set_batch_tokens(tokens);
    }

    /// Most sequences decoded together, default 32 (a GPU wants a few hundred).
    pub fn set_generation_rows(&mut self, rows: usize) {
        self.transformer.set_generation_rows(rows);
    }

    /// Logits at the last token of each prompt.
    pub fn last_logits(&self, prompts: &[Vec<u32>]) -> Result<Vec<Vec<f32>>> {
        self.transformer.last_logits(prompts)
    }

    /// Log-likelihood of each `(prompt, continuation)` pair's continuation: see
    /// [`Transformer::continuation_logprobs`]. Texts are encoded apart, the prompt with BOS and
    /// the continuation without, as lm-eval-harness does.
    pub fn continuation_logprobs(&self, pairs: &[(String, String)]) -> Result<Vec<f64>> {
        let ids = pairs
            .iter()
            .map(|(p, c)| {
                Ok((
                    self.tokenizer.encode(p, true)?,
                    self.tokenizer.encode(c, false)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        self.transformer.continuation_logprobs(&ids)
    }

    /// Activations of `site` at the last token of each sequence, `[sequences, layers, neurons]`.
    pub fn last_token_activations(
        &self,
        seqs: &[Vec<u32>],
        site: CaptureSite,
    ) -> Result<PromptMeans> {
        self.transformer.last_token_activations(seqs, site)
    }

    /// Corpus statistics of `site` (docs/METHOD.md §2): every real token except a leading BOS.
    pub fn corpus_stats(&self, windows: &[Vec<u32>], site: CaptureSite) -> Result<CorpusStats> {
        self.transformer.corpus_stats(windows, site)
    }

    /// Per-prompt mean of `site` over the prompt's tokens, BOS excluded (docs/METHOD.md §3). With
    /// `include_generated`, the model first generates greedily with
    /// [`GenerateOptions::default`] and the mean also covers the generated tokens fed back.
    pub fn prompt_means(
        &self,
        prompts: &[Vec<u32>],
        site: CaptureSite,
        include_generated: bool,
    ) -> Result<PromptMeans> {
        if include_generated {
            Ok(self
                .prompt_means_generated(prompts, site, &GenerateOptions::default())?
                .0)
        } else {
            self.transformer.prompt_means(prompts, site)
        }
    }

    /// Per-prompt means over prompt and generated tokens, with the generations.
    pub fn prompt_means_generated(
        &self,
        prompts: &[Vec<u32>],
        site: CaptureSite,
        opts: &GenerateOptions,
    ) -> Result<(PromptMeans, Vec<Generation>)> {
        let decode = |ids: &[u32]| self.tokenizer.decode_skip_special(ids);
        self.transformer
            .prompt_means_generated(prompts, site, opts, &decode)
    }

    /// Greedy generation.
    pub fn generate(&self, prompts: &[Vec<u32>], opts: GenerateOptions) -> Result<Vec<Generation>> {
        let decode = |ids: &[u32]| self.tokenizer.decode_skip_special(ids);
        self.transformer.generate(prompts, &opts, &decode)
    }

    /// Greedy generation recording the top-`top_k` logits of every step.
    pub fn generate_with_logits(
        &self,
        prompts: &[Vec<u32>],
        opts: &GenerateOptions,
        top_k: usize,
    ) -> Result<Vec<Generation>> {
        let decode = |ids: &[u32]| self.tokenizer.decode_skip_special(ids);
        self.transformer
            .generate_with_logits(prompts, opts, top_k, &decode)
    }
}

#[cfg(test)]
mod tests {
    /// Consumers share one loaded model between threads.
    #[test]
    fn model_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::Model>();
        check::<super::Transformer>();
    }
}
