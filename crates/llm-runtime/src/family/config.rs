//! Architecture hyperparameters, independent of the file format they were read from.
//!
//! Both loaders (GGUF metadata, HF `config.json`) produce a [`ModelConfig`]; besides it, the model
//! code reads only the family's block plan ([`crate::family`], which also decides the defaults and
//! extra keys that fill this struct). Keeping one struct means a new loader cannot silently
//! disagree with the model.
//!
//! RoPE: `rope_theta` (HF `rope_theta`, GGUF `{arch}.rope.freq_base`), gemma3's
//! `rope_local_theta` for sliding-window layers (HF `rope_local_base_freq`, GGUF
//! `{arch}.rope.freq_base_swa`), and `rope_scaling` (HF `rope_scaling` or transformers 5's
//! `rope_parameters`; GGUF `{arch}.rope.scaling.type`/`.factor` and the `rope_freqs.weight`
//! tensor), which both loaders refuse rather than ignore when it is of a kind not implemented.

use serde::{Deserialize, Serialize};

/// Lives with the families; re-exported here, where it always was.
use super::Architecture;

/// The MLP gate activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    Silu,
    GeluTanh,
}

impl Activation {
    /// The name people know it by.
    pub fn describe(self) -> &'static str {
        match self {
            Activation::Silu => "SiLU",
            Activation::GeluTanh => "GELU (tanh)",
        }
    }
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
    /// RoPE frequency scaling of the layers that use `rope_theta` (`None` = unscaled); gemma3's
    /// sliding-window layers (`rope_local_theta`) are never scaled. See [`RopeScaling`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rope_scaling: Option<RopeScaling>,
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
        self.rope_for_layer(i).0
    }

    /// RoPE base and scaling for layer `i`: `rope_theta` with `rope_scaling`, except on sliding
    /// window layers with their own base (gemma3), which use `rope_local_theta` unscaled (HF's
    /// Gemma3 builds its local rotary embedding with `rope_type` "default"; llama.cpp sets the
    /// sliding-window frequency scale of gemma3 to 1).
    pub fn rope_for_layer(&self, i: usize) -> (f64, Option<&RopeScaling>) {
        match self.rope_local_theta {
            Some(local) if !self.is_global_layer(i) => (local, None),
            _ => (self.rope_theta, self.rope_scaling.as_ref()),
        }
    }

    /// Total MLP neurons (`layers x intermediate_size`).
    pub fn num_neurons(&self) -> usize {
        self.num_layers * self.intermediate_size
    }
}

/// How RoPE inverse frequencies are rescaled for a longer context than pretraining's. The scaled
/// inverse frequency of rotary pair `i` (`0 <= i < head_dim / 2`, unscaled
/// `theta^(-2i / head_dim)`) is:
///
/// - `Linear`: `inv_freq / factor` (HF `rope_type` "linear"; GGUF `rope.scaling.type` "linear"
///   with `rope.scaling.factor`).
/// - `Llama3`: HF's `_compute_llama3_parameters` (Llama 3.1/3.2): with
///   `wavelen = 2 pi / inv_freq` and `orig = original_max_position_embeddings`, pairs with
///   `wavelen < orig / high_freq_factor` keep their frequency, pairs with
///   `wavelen > orig / low_freq_factor` get `inv_freq / factor`, and the others the blend
///   `(1 - s) inv_freq / factor + s inv_freq` with `s = (orig / wavelen - low) / (high - low)`.
/// - `Frequencies`: `inv_freq / factors[i]`, llama.cpp's `rope_freqs.weight` tensor (its converter
///   stores Llama 3 scaling this way; ggml divides the rotation angle of pair `i` by it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RopeScaling {
    Linear {
        factor: f64,
    },
    Llama3 {
        factor: f64,
        low_freq_factor: f64,
        high_freq_factor: f64,
        original_max_position_embeddings: usize,
    },
    Frequencies {
        /// One divisor per rotary pair (`head_dim / 2` of them).
        factors: Vec<f32>,
    },
}

impl RopeScaling {
    /// Check the parameters for a model with heads of `head_dim`; the message names the field.
    pub fn check(&self, head_dim: usize) -> Result<(), String> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!(
                    "rope scaling: {name} {v} must be a positive number"
                ))
            }
        };
        match self {
            RopeScaling::Linear { factor } => positive("factor", *factor),
            RopeScaling::Llama3 {
                factor,
                low_freq_factor,
                high_freq_factor,
                original_max_position_embeddings,
            } => {
                positive("factor", *factor)?;
                positive("low_freq_factor", *low_freq_factor)?;
                positive("high_freq_factor", *high_freq_factor)?;
                if *original_max_position_embeddings == 0 {
                    return Err("rope scaling: original_max_position_embeddings must be > 0".into());
                }
                if high_freq_factor <= low_freq_factor {
                    return Err(format!(
                        "rope scaling: high_freq_factor {high_freq_factor} must be larger than \
                         low_freq_factor {low_freq_factor}"
                    ));
                }
                Ok(())
            }
            RopeScaling::Frequencies { factors } => {
                if factors.len() != head_dim / 2 {
                    return Err(format!(
                        "rope scaling: {} frequency factors for {} rotary pairs (head_dim {head_dim})",
                        factors.len(),
                        head_dim / 2
                    ));
                }
                match factors.iter().position(|f| !(f.is_finite() && *f > 0.0)) {
                    Some(i) => Err(format!(
                        "rope scaling: frequency factor {i} is {}, must be a positive number",
                        factors[i]
                    )),
                    None => Ok(()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gemma3() -> ModelConfig {
        ModelConfig {
            architecture: Architecture::Gemma3,
            vocab_size: 8,
            hidden_size: 8,
            intermediate_size: 8,
            num_layers: 12,
            num_heads: 2,
            num_kv_heads: 1,
            head_dim: 4,
            rms_norm_eps: 1e-6,
            rope_theta: 1e6,
            rope_local_theta: Some(1e4),
            rope_scaling: Some(RopeScaling::Linear { factor: 8.0 }),
            sliding_window: Some(512),
            sliding_window_pattern: Some(6),
            attention_scale: 0.5,
            final_logit_softcapping: None,
            tie_word_embeddings: true,
            activation: Activation::GeluTanh,
            bos_token_id: None,
            eos_token_id: None,
            max_position_embeddings: 4096,
        }
    }

    #[test]
    fn scaling_applies_to_global_layers_only() {
        let c = gemma3();
        let linear = RopeScaling::Linear { factor: 8.0 };
        // Layers 5 and 11 are global (every 6th), the rest sliding-window.
        for i in 0..12 {
            let want = if i == 5 || i == 11 {
                (1e6, Some(&linear))
            } else {
                (1e4, None)
            };
            assert_eq!(c.rope_for_layer(i), want, "layer {i}");
            assert_eq!(c.rope_theta_for_layer(i), want.0, "layer {i}");
        }
        // Without a local base (llama, qwen2), every layer is scaled, windowed or not.
        let c = ModelConfig {
            architecture: Architecture::Qwen2,
            rope_local_theta: None,
            sliding_window_pattern: None,
            ..gemma3()
        };
        assert!(!c.is_global_layer(0));
        assert_eq!(c.rope_for_layer(0), (1e6, Some(&linear)));
    }

    #[test]
    fn rope_scaling_serialises_and_defaults_to_none() {
        let c = ModelConfig {
            rope_scaling: Some(RopeScaling::Llama3 {
                factor: 8.0,
                low_freq_factor: 1.0,
                high_freq_factor: 4.0,
                original_max_position_embeddings: 8192,
            }),
            ..gemma3()
        };
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json["rope_scaling"],
            serde_json::json!({"type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                "high_freq_factor": 4.0, "original_max_position_embeddings": 8192})
        );
        assert_eq!(serde_json::from_value::<ModelConfig>(json).unwrap(), c);
        // Unscaled configs serialise as before the field existed, and read back as unscaled.
        let plain = ModelConfig {
            rope_scaling: None,
            ..gemma3()
        };
        let mut json = serde_json::to_value(&plain).unwrap();
        assert!(json.get("rope_scaling").is_none());
        json.as_object_mut().unwrap().remove("rope_scaling");
        assert_eq!(serde_json::from_value::<ModelConfig>(json).unwrap(), plain);
    }

    #[test]
    fn check_rejects_unusable_parameters() {
        assert!(RopeScaling::Linear { factor: 0.0 }.check(4).is_err());
        assert!(RopeScaling::Linear { factor: f64::NAN }.check(4).is_err());
        assert!(RopeScaling::Linear { factor: 2.0 }.check(4).is_ok());
        let llama3 = |low, high, orig| RopeScaling::Llama3 {
            factor: 8.0,
            low_freq_factor: low,
            high_freq_factor: high,
            original_max_position_embeddings: orig,
        };
        assert!(llama3(1.0, 4.0, 8192).check(128).is_ok());
        let e = llama3(4.0, 4.0, 8192).check(128).unwrap_err();
        assert!(e.contains("high_freq_factor"), "{e}");
        assert!(llama3(1.0, 4.0, 0).check(128).is_err());
        let freqs = |factors: Vec<f32>| RopeScaling::Frequencies { factors };
        assert!(freqs(vec![1.0, 2.0]).check(4).is_ok());
        let e = freqs(vec![1.0, 2.0, 3.0]).check(4).unwrap_err();
        assert!(e.contains("3 frequency factors for 2 rotary pairs"), "{e}");
        let e = freqs(vec![1.0, -2.0]).check(4).unwrap_err();
        assert!(e.contains("factor 1 is -2"), "{e}");
    }
}
