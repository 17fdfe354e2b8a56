//! Llama 2/3, Mistral, SmolLM: SiLU gate, pre-norm blocks, no biases; llama.cpp permutes the
//! q/k rows for its interleaved RoPE.

use super::{BlockPlan, Defaults, EmbeddingScale, Family, GgufQuirks, NormPlacement};
use super::config::Activation;

/// One norm before the MLP, which HF calls `post_attention_layernorm`.
pub(super) const LAYER_NAMES: &[(&str, &str)] =
    &[("ffn_norm.weight", "post_attention_layernorm.weight")];

pub(super) const BLOCK: BlockPlan = BlockPlan {
    norms: NormPlacement::PreNorm {
        pre_mlp_norm: "post_attention_layernorm",
    },
    qk_norm: false,
    qkv_bias: false,
    norm_weight_offset_one: false,
    embedding_scale: EmbeddingScale::None,
};

pub(super) const DEFAULTS: Defaults = Defaults {
    activation: Activation::Silu,
    rope_theta: 10_000.0,
    tie_word_embeddings: false,
};

pub static LLAMA: Family = Family {
    name: "llama",
    models: "Llama 2/3, Mistral, SmolLM",
    hf_model_types: &["llama", "mistral"],
    gguf_architectures: &["llama", "mistral"],
    defaults: DEFAULTS,
    hf_extras: None,
    gguf_extras: None,
    layer_names: LAYER_NAMES,
    gguf_quirks: GgufQuirks {
        permuted_qk: true,
        norm_plus_one: false,
    },
    block: BLOCK,
};
