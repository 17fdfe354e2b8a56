//! Gemma 3: GELU-tanh gate, sandwich norms scaled by `1 + w`, per-head q/k norms, embeddings
//! scaled by sqrt(hidden), and sliding-window layers with their own RoPE base between global ones.

use super::{BlockPlan, Defaults, EmbeddingScale, Family, GgufQuirks, NormPlacement};
use super::config::{Activation, ModelConfig};
use crate::error::Result;
use super::keys::{GgufKeys, HfKeys};

/// Every 6th layer is global (llama.cpp hard-codes this for gemma3 too).
const SLIDING_WINDOW_PATTERN: usize = 6;
/// Local-layer RoPE base (HF `rope_local_base_freq`); GGUF files from llama.cpp omit it.
const ROPE_LOCAL_BASE: f64 = 10_000.0;

pub static GEMMA3: Family = Family {
    name: "gemma3",
    models: "Gemma 3",
    hf_model_types: &["gemma3", "gemma3_text"],
    gguf_architectures: &["gemma3"],
    defaults: Defaults {
        activation: Activation::GeluTanh,
        rope_theta: 1_000_000.0,
        tie_word_embeddings: true,
    },
    hf_extras: Some(hf_extras),
    gguf_extras: Some(gguf_extras),
    // HF's `post_attention_layernorm` is the norm of the attention output (llama.cpp
    // `post_attention_norm`); the pre-MLP norm is `pre_feedforward_layernorm`.
    layer_names: &[
        (
            "post_attention_norm.weight",
            "post_attention_layernorm.weight",
        ),
        ("ffn_norm.weight", "pre_feedforward_layernorm.weight"),
        ("post_ffw_norm.weight", "post_feedforward_layernorm.weight"),
    ],
    gguf_quirks: GgufQuirks {
        permuted_qk: false,
        norm_plus_one: true,
    },
    block: BlockPlan {
        norms: NormPlacement::Sandwich {
            post_attn_norm: "post_attention_layernorm",
            pre_mlp_norm: "pre_feedforward_layernorm",
            post_mlp_norm: "post_feedforward_layernorm",
        },
        qk_norm: true,
        qkv_bias: false,
        norm_weight_offset_one: true,
        embedding_scale: EmbeddingScale::SqrtHidden,
    },
};

fn hf_extras(keys: &HfKeys<'_>, config: &mut ModelConfig) -> Result<()> {
    config.rope_local_theta = Some(match keys.rope_local_theta {
        Some(t) => t,
        None => keys.f64("rope_local_base_freq")?.unwrap_or(ROPE_LOCAL_BASE),
    });
    // `sliding_window_pattern` (older transformers), `_sliding_window_pattern` (newer), or the
    // per-layer `layer_types` ("sliding_attention" x5, "full_attention", ...), else 6.
    let explicit = match keys.usize("sliding_window_pattern")? {
        Some(p) => Some(p),
        None => keys.usize("_sliding_window_pattern")?,
    };
    let pattern = match (explicit, keys.get("layer_types").and_then(|v| v.as_array())) {
        (Some(p), _) => p,
        (None, Some(types)) => types
            .iter()
            .position(|t| t.as_str() == Some("full_attention"))
            .map_or(config.num_layers + 1, |i| i + 1),
        (None, None) => SLIDING_WINDOW_PATTERN,
    };
    config.sliding_window_pattern = Some(pattern);
    if let Some(q) = keys.f64("query_pre_attn_scalar")? {
        config.attention_scale = 1.0 / q.sqrt();
    }
    Ok(())
}

fn gguf_extras(keys: &GgufKeys<'_>, config: &mut ModelConfig) -> Result<()> {
    config.sliding_window = keys.usize("attention.sliding_window")?;
    config.sliding_window_pattern = Some(
        keys.layer_pattern("attention.sliding_window_pattern")?
            .unwrap_or(SLIDING_WINDOW_PATTERN),
    );
    config.rope_local_theta = Some(keys.f64("rope.freq_base_swa")?.unwrap_or(ROPE_LOCAL_BASE));
    // HF: scale = query_pre_attn_scalar^-0.5, where query_pre_attn_scalar = head_dim for every
    // Gemma 3 except 27B (hidden / heads = 168); GGUF does not store it, llama.cpp decides the
    // same way from the model size.
    let query_pre_attn_scalar = if config.hidden_size == 5376 && config.num_layers == 62 {
        (config.hidden_size / config.num_heads) as f64
    } else {
        config.head_dim as f64
    };
    config.attention_scale = 1.0 / query_pre_attn_scalar.sqrt();
    Ok(())
}
