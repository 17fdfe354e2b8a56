//! Model families: one module per family owns what sets it apart, and the registry below lists
//! them. A family is plain data ([`Family`]): the HF `model_type`s and GGUF architecture names it
//! accepts, the defaults of keys a file may leave out, hooks for its own config/metadata keys,
//! its per-layer GGUF <-> HF tensor names, its GGUF quirks, and the [`BlockPlan`] of its decoder
//! block, which the shared decoder in [`crate::model`] reads.
//!
//! Activation, RoPE bases and scaling, and sliding windows stay in [`ModelConfig`]: they are read
//! from each file, but the family decides their defaults ([`Defaults`]) and which extra keys are
//! read ([`Family::hf_extras`], [`Family::gguf_extras`]), e.g. gemma3's local RoPE base and layer
//! pattern.
//!
//! Adding a family: a new file here holding its `static` [`Family`], and its line in
//! `families!` below (which also declares the module).

use serde::{Deserialize, Serialize};

pub mod config;
pub mod keys;

pub use config::{Activation, ModelConfig, RopeScaling};

use crate::error::{Error, Result};
use keys::{GgufKeys, HfKeys};

/// Everything the loaders and the decoder need to know about one family.
#[derive(Debug)]
pub struct Family {
    /// The [`Architecture`]'s serialised name.
    pub name: &'static str,
    /// Which published models it covers, for people (`bridgex models`).
    pub models: &'static str,
    /// HF `config.json` `model_type` values read as this family.
    pub hf_model_types: &'static [&'static str],
    /// GGUF `general.architecture` values read as this family.
    pub gguf_architectures: &'static [&'static str],
    pub defaults: Defaults,
    /// Family-specific `config.json` keys, read after the common ones.
    pub hf_extras: Option<fn(&HfKeys<'_>, &mut ModelConfig) -> Result<()>>,
    /// Family-specific GGUF metadata, read after the common keys.
    pub gguf_extras: Option<fn(&GgufKeys<'_>, &mut ModelConfig) -> Result<()>>,
    /// Per-layer (GGUF suffix, HF suffix) pairs beyond the common table in
    /// [`crate::loader::names`] (after `blk.N.` / `model.layers.N.`).
    pub layer_names: &'static [(&'static str, &'static str)],
    pub gguf_quirks: GgufQuirks,
    pub block: BlockPlan,
}

/// Values of keys a file may leave out.
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    /// HF without `hidden_act`/`hidden_activation`; GGUF always (it stores no activation).
    pub activation: Activation,
    /// HF `rope_theta`, GGUF `{arch}.rope.freq_base`.
    pub rope_theta: f64,
    /// HF `tie_word_embeddings` (GGUF ties when `output.weight` is absent).
    pub tie_word_embeddings: bool,
}

/// How llama.cpp's converter stores this family's tensors differently from HF.
#[derive(Debug, Clone, Copy)]
pub struct GgufQuirks {
    /// q/k projection rows (weights and biases) permuted for interleaved RoPE.
    pub permuted_qk: bool,
    /// Norm weights stored as `1 + w` (the model applies HF's `1 + w` itself).
    pub norm_plus_one: bool,
}

/// The shape of one decoder block, beyond what [`ModelConfig`] holds.
#[derive(Debug, Clone, Copy)]
pub struct BlockPlan {
    pub norms: NormPlacement,
    /// Per-head RMSNorm of queries and keys (HF `self_attn.q_norm` / `k_norm`).
    pub qk_norm: bool,
    /// q/k/v projections always carry biases (any file's other biases are loaded too).
    pub qkv_bias: bool,
    /// RMSNorm multiplies by `1 + w` instead of `w`.
    pub norm_weight_offset_one: bool,
    pub embedding_scale: EmbeddingScale,
}

/// Where a block's norms sit; names are HF suffixes after `model.layers.N.`, without `.weight`.
/// Every block has `input_layernorm` before attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormPlacement {
    /// `h = x + attn(input(x)); out = h + mlp(pre_mlp(h))`.
    PreNorm { pre_mlp_norm: &'static str },
    /// `h = x + post_attn(attn(input(x))); out = h + post_mlp(mlp(pre_mlp(h)))`.
    Sandwich {
        post_attn_norm: &'static str,
        pre_mlp_norm: &'static str,
        post_mlp_norm: &'static str,
    },
}

/// What token embeddings are multiplied by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddingScale {
    None,
    /// `sqrt(hidden_size)`, rounded to the model dtype (as HF does).
    SqrtHidden,
}

/// Generates [`Architecture`] (one variant per family, serialised in lowercase) with its lookups,
/// and declares each family's module.
macro_rules! families {
    ($($(#[$doc:meta])* $variant:ident => $module:ident::$family:ident,)+) => {
        $(mod $module;)+

        /// The decoder families this runtime implements.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Architecture {
            $($(#[$doc])* $variant,)+
        }

        impl Architecture {
            /// Every family, in registration order.
            pub const ALL: &'static [Architecture] = &[$(Architecture::$variant),+];

            /// This family's description.
            pub fn family(self) -> &'static Family {
                match self {
                    $(Architecture::$variant => &$module::$family,)+
                }
            }
        }
    };
}

families! {
    /// Llama 2/3, Mistral, SmolLM: SiLU gate, RMSNorm, rotate-half RoPE (after un-permuting GGUF q/k).
    Llama => llama::LLAMA,
    /// Qwen2 / Qwen2.5: like llama plus q/k/v biases.
    Qwen2 => qwen2::QWEN2,
    /// Gemma 3: GELU-tanh gate, q/k norms, pre+post norms, local/global attention, scaled embeddings.
    Gemma3 => gemma3::GEMMA3,
}

impl Architecture {
    /// The family whose HF `model_type` this is.
    pub fn from_hf_model_type(model_type: &str) -> Option<Architecture> {
        Self::find(|f| f.hf_model_types.contains(&model_type))
    }

    /// The family whose GGUF `general.architecture` this is.
    pub fn from_gguf_architecture(name: &str) -> Option<Architecture> {
        Self::find(|f| f.gguf_architectures.contains(&name))
    }

    fn find(pred: impl Fn(&Family) -> bool) -> Option<Architecture> {
        Self::ALL.iter().copied().find(|a| pred(a.family()))
    }
}

/// The error for a file of a family this runtime does not implement, listing those it does.
pub fn unsupported_architecture(name: &str) -> Error {
    Error::UnsupportedArchitecture {
        name: name.to_string(),
        supported: supported_names(),
    }
}

/// The GGUF architecture names of all families ("llama, mistral, ..."), for error messages.
pub fn supported_names() -> String {
    Architecture::ALL
        .iter()
        .flat_map(|a| a.family().gguf_architectures.iter().copied())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde_and_are_claimed_once() {
        for &a in Architecture::ALL {
            let f = a.family();
            assert_eq!(serde_json::to_value(a).unwrap(), f.name);
            for &t in f.hf_model_types {
                assert_eq!(Architecture::from_hf_model_type(t), Some(a), "{t}");
            }
            for &g in f.gguf_architectures {
                assert_eq!(Architecture::from_gguf_architecture(g), Some(a), "{g}");
            }
        }
        assert_eq!(supported_names(), "llama, mistral, qwen2, gemma3");
        assert_eq!(
            unsupported_architecture("phi3").to_string(),
            "unsupported architecture `phi3` (supported: llama, mistral, qwen2, gemma3)"
        );
    }

    #[test]
    fn planned_norms_have_gguf_names() {
        for &a in Architecture::ALL {
            let f = a.family();
            let planned = match f.block.norms {
                NormPlacement::PreNorm { pre_mlp_norm } => vec![pre_mlp_norm],
                NormPlacement::Sandwich {
                    post_attn_norm,
                    pre_mlp_norm,
                    post_mlp_norm,
                } => vec![post_attn_norm, pre_mlp_norm, post_mlp_norm],
            };
            for n in planned {
                let hf = format!("{n}.weight");
                assert!(f.layer_names.iter().any(|(_, h)| *h == hf), "{a:?}: {hf}");
            }
        }
    }
}
