//! The model interface the pipeline needs, independent of any runtime.
//!
//! The pipeline is generic over [`NeuronModel`] so that it can be tested on a tiny deterministic
//! model ([`crate::FakeModel`]) and run on `llm_runtime::Model` (feature `runtime`) without the
//! pipeline knowing anything about tensors or devices.

pub use neuron_types::{CaptureSite, CorpusStats, ModelIdentity};

use crate::error::Result;

/// A decoder LLM seen as a bank of MLP neurons.
///
/// Contract (checked by the pipeline where it can be):
/// - token windows and prompts are passed exactly as built (BOS, if any, at position 0);
/// - `corpus_stats` counts every token except a BOS at position 0 of a window, and no padding;
/// - `prompt_means` averages over the prompt tokens except a BOS at position 0 (and, with
///   `include_generated`, also over the tokens the model generates greedily after the prompt);
///   it returns `[prompts, layers, neurons]`, row-major;
/// - `greedy` returns only the continuation text, cut before the first stop string.
pub trait NeuronModel {
    fn identity(&self) -> ModelIdentity;
    fn layers(&self) -> usize;
    /// MLP neurons per layer.
    fn neurons(&self) -> usize;
    /// The BOS the model's template puts first (statistics windows start with it); `None`
    /// for models that prepend none (Qwen2), even where the file names a BOS token.
    fn bos_id(&self) -> Option<u32>;
    fn encode(&self, text: &str, add_bos: bool) -> Result<Vec<u32>>;
    fn corpus_stats(&mut self, windows: &[Vec<u32>], site: CaptureSite) -> Result<CorpusStats>;
    fn prompt_means(
        &mut self,
        prompts: &[Vec<u32>],
        site: CaptureSite,
        include_generated: bool,
    ) -> Result<Vec<f32>>;
    fn greedy(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> Result<Vec<String>>;
    /// Natural-log likelihood of each `(prompt, continuation)` pair's continuation after its
    /// prompt (the prompt encoded with BOS, the continuation without): likelihood answer
    /// scoring of the downstream tasks.
    fn continuation_logprobs(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>>;
}
