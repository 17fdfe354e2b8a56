//! Architecture hyperparameters, independent of the file format they were read from.
//!
//! Both loaders (GGUF metadata, HF `config.json`) produce a [`ModelConfig`]; the model code reads
//! nothing else. Keeping one struct means a new loader cannot silently disagree with the model.

use serde::{Deserialize, Serialize};

/// The decoder families this runtime implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// Llama 2/3, Mistral, SmolLM: SiLU gate, RMSNorm, rotate-half RoPE (after un-permuting GGUF q/k).
    Llama,
    /// Qwen2 / Qwen2.5: like llama plus q/k/v biases.
    Qwen2,
    /// Gemma 3: GELU-tanh gate, q/k norms, pre+post norms, local/global attention, scaled embeddings.
    Gemma3,
}

/// The MLP gate activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Silu,
    GeluTanh,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub architecture: Architecture,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub num_kv_heads: usize,
    pub head_dim: usize,
    pub rms_norm_eps: f64,
    /// RoPE base of global (full-attention) layers; for llama/qwen2, of every layer.
    pub rope_theta: f64,
    /// RoPE base of sliding-window layers (gemma3); `None` where every layer is global.
    pub rope_local_theta: Option<f64>,
    /// Sliding-window size of local layers (gemma3); `None` = all layers full causal.
    pub sliding_window: Option<usize>,
    /// Every `n`-th layer (1-based: layer i is global when (i+1) % n == 0) is global (gemma3: 6).
    pub sliding_window_pattern: Option<usize>,
    /// Attention logits are multiplied by this (gemma3: query_pre_attn_scalar^-0.5; else head_dim^-0.5).
    pub attention_scale: f64,
    /// Final-logit soft cap (`None` = off).
    pub final_logit_softcapping: Option<f64>,
    /// Output projection shares the token embedding matrix.
    pub tie_word_embeddings: bool,
    pub activation: Activation,
    pub bos_token_id: Option<u32>,
    pub eos_token_id: Option<u32>,
    /// Maximum context length the checkpoint was trained for.
    pub max_position_embeddings: usize,
}

impl ModelConfig {
    /// Whether layer `i` (0-based) attends over the full causal context.
    pub fn is_global_layer(&self, i: usize) -> bool {
        match (self.sliding_window, self.sliding_window_pattern) {
            (Some(_), Some(n)) if n > 0 => (i + 1).is_multiple_of(n),
            (Some(_), _) => false,
            (None, _) => true,
        }
    }

    /// RoPE base for layer `i`.
    pub fn rope_theta_for_layer(&self, i: usize) -> f64 {
        if self.is_global_layer(i) {
            self.rope_theta
        } else {
            self.rope_local_theta.unwrap_or(self.rope_theta)
        }
    }

    /// Total MLP neurons (`layers x intermediate_size`).
    pub fn num_neurons(&self) -> usize {
        self.num_layers * self.intermediate_size
    }
}
