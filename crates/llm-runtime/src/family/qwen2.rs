//! Qwen2 / Qwen2.5: llama's block plus q/k/v biases; llama.cpp keeps the q/k rows in HF order.

use super::{BlockPlan, Family, GgufQuirks, llama};

pub static QWEN2: Family = Family {
    name: "qwen2",
    models: "Qwen2, Qwen2.5",
    hf_model_types: &["qwen2"],
    gguf_architectures: &["qwen2"],
    defaults: llama::DEFAULTS,
    hf_extras: None,
    gguf_extras: None,
    layer_names: llama::LAYER_NAMES,
    gguf_quirks: GgufQuirks {
        permuted_qk: false,
        norm_plus_one: false,
    },
    block: BlockPlan {
        qkv_bias: true,
        ..llama::BLOCK
    },
};
