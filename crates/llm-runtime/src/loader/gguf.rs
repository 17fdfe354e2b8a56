//! [`GgufWeights`]: a GGUF file as a [`WeightSource`] (HF names and layouts, f32, or the file's
//! own blocks for the CPU's compact weights), and its
//! hyperparameters from llama.cpp's metadata keys.

use std::collections::BTreeMap;
use std::path::Path;

use super::names::{QkKind, gguf_to_hf, hf_to_gguf, is_permuted_qk, unpermute_qk};
use crate::error::{Error, Result};
use crate::family::keys::{GgufKeys, to_usize};
use crate::family::{Architecture, ModelConfig, RopeScaling, unsupported_architecture};
use crate::gguf::{GgmlType, GgufFile, MetadataValue};
use crate::quant::QuantMatrix;
use crate::tokenizer::Tokenizer;
use crate::weights::{HostTensor, WeightSource};

/// A GGUF model file read as HF-named f32 tensors.
#[derive(Debug)]
pub struct GgufWeights {
    file: GgufFile,
    config: ModelConfig,
    /// HF name -> GGUF tensor name (tensors without an HF name keep their GGUF name).
    names: BTreeMap<String, String>,
}

impl GgufWeights {
    /// Open and validate a GGUF model: architecture supported, hyperparameters present, every
    /// tensor of a supported type.
    pub fn open(path: impl AsRef<Path>) -> Result<GgufWeights> {
        GgufWeights::from_file(GgufFile::open(path)?)
    }

    /// Wrap an already parsed file.
    pub fn from_file(file: GgufFile) -> Result<GgufWeights> {
        let config = config_from_gguf(&file)?;
        let mut names = BTreeMap::new();
        for t in file.tensors() {
            let hf = gguf_to_hf(config.architecture, &t.name).unwrap_or_else(|| t.name.clone());
            names.insert(hf, t.name.clone());
        }
        let w = GgufWeights {
            file,
            config,
            names,
        };
        w.check_qk_shapes()?;
        Ok(w)
    }

    /// The parsed file (metadata, tensor table).
    pub fn file(&self) -> &GgufFile {
        &self.file
    }

    /// The tokenizer embedded in the file's metadata.
    pub fn tokenizer(&self) -> Result<Tokenizer> {
        Tokenizer::from_gguf(&self.file)
    }

    /// The GGUF tensor name behind an HF name.
    pub fn gguf_name(&self, hf_name: &str) -> Option<&str> {
        self.names.get(hf_name).map(String::as_str)
    }

    /// Permuted q/k tensors must split into whole heads of even size, or un-permuting is undefined.
    fn check_qk_shapes(&self) -> Result<()> {
        for t in self.file.tensors() {
            if let Some(kind) = is_permuted_qk(self.config.architecture, &t.name) {
                let rows = t.shape().first().copied().unwrap_or(0);
                let heads = self.heads(kind);
                if heads == 0 || !rows.is_multiple_of(heads) || !(rows / heads).is_multiple_of(2) {
                    return Err(Error::format(
                        self.file.path(),
                        format!(
                            "tensor `{}`: {rows} rows do not split into {heads} heads of even size",
                            t.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn heads(&self, kind: QkKind) -> usize {
        match kind {
            QkKind::Q => self.config.num_heads,
            QkKind::K => self.config.num_kv_heads,
        }
    }
}

impl WeightSource for GgufWeights {
    fn config(&self) -> &ModelConfig {
        &self.config
    }

    fn tensor_names(&self) -> Vec<String> {
        self.names.keys().cloned().collect()
    }

    fn tensor(&self, name: &str) -> Result<HostTensor> {
        let gguf = self
            .names
            .get(name)
            .ok_or_else(|| match self.file_name(name) {
                // Name it as the file would: that is what people look for in a GGUF dump.
                Some(g) => Error::format(
                    self.file.path(),
                    format!("tensor `{g}` ({name} in Hugging Face terms) is missing"),
                ),
                None => Error::MissingTensor {
                    origin: self.origin(),
                    name: name.to_string(),
                },
            })?;
        let info = self
            .file
            .tensor_info(gguf)
            .ok_or_else(|| Error::MissingTensor {
                origin: self.origin(),
                name: gguf.clone(),
            })?;
        let shape = info.shape();
        let mut data = self.file.dequantize(gguf)?;
        if let Some(kind) = is_permuted_qk(self.config.architecture, gguf) {
            let rows = shape.first().copied().unwrap_or(1);
            let cols = data.len() / rows.max(1);
            data = unpermute_qk(&data, rows, cols, self.heads(kind));
        }
        let quirks = self.config.architecture.family().gguf_quirks;
        if quirks.norm_plus_one && gguf.ends_with("norm.weight") {
            // The converter stored (1 + w); the model code applies HF's (1 + w) itself.
            for x in &mut data {
                *x -= 1.0;
            }
        }
        Ok(HostTensor::new(shape, data))
    }

    fn blocks(&self, name: &str) -> Result<Option<QuantMatrix>> {
        let Some(info) = self.names.get(name).and_then(|g| self.file.tensor_info(g)) else {
            // Missing: `tensor` names what is missing, in the file's terms.
            return Ok(None);
        };
        let [rows, cols] = info.shape()[..] else {
            return Ok(None);
        };
        if info.ggml_type == GgmlType::F32 {
            // Nothing to keep compact: the dense f32 path is as small and faster.
            return Ok(None);
        }
        let mut bytes = self.file.tensor_bytes(info).to_vec();
        if let Some(kind) = is_permuted_qk(self.config.architecture, &info.name) {
            // Rows are whole blocks, so un-permuting rows moves bytes, not values.
            let row_bytes = bytes.len() / rows.max(1);
            bytes = unpermute_qk(&bytes, rows, row_bytes, self.heads(kind));
        }
        QuantMatrix::new(info.ggml_type, rows, cols, bytes)
            .map(Some)
            .map_err(|e| Error::format(self.file.path(), format!("tensor `{}`: {e}", info.name)))
    }

    fn origin(&self) -> String {
        self.file.path().display().to_string()
    }

    fn file_name(&self, name: &str) -> Option<String> {
        self.names
            .get(name)
            .cloned()
            .or_else(|| hf_to_gguf(self.config.architecture, name))
    }
}

/// Hyperparameters from `{arch}.*` metadata (llama.cpp key names). The family (from
/// `general.architecture`) supplies defaults and reads its own keys.
pub fn config_from_gguf(file: &GgufFile) -> Result<ModelConfig> {
    let arch_name = file.architecture()?.to_string();
    let architecture = Architecture::from_gguf_architecture(&arch_name)
        .ok_or_else(|| unsupported_architecture(&arch_name))?;
    let family = architecture.family();
    let keys = GgufKeys {
        file,
        arch: &arch_name,
    };
    let key = |k: &str| keys.key(k);
    let err = |what: String| keys.error(what);
    let required = |k: &str| -> Result<usize> {
        let full = key(k);
        per_layer_uniform(file, &full)?
            .ok_or_else(|| err(format!("metadata key `{full}` is missing")))
    };

    let hidden_size = required("embedding_length")?;
    let num_layers = required("block_count")?;
    let intermediate_size = required("feed_forward_length")?;
    let num_heads = required("attention.head_count")?;
    let num_kv_heads =
        per_layer_uniform(file, &key("attention.head_count_kv"))?.unwrap_or(num_heads);
    if num_heads == 0 || num_kv_heads == 0 || num_heads % num_kv_heads != 0 {
        return Err(err(format!(
            "{num_heads} attention heads cannot be grouped over {num_kv_heads} key/value heads"
        )));
    }
    let head_dim = keys
        .usize("attention.key_length")?
        .unwrap_or(hidden_size / num_heads);
    if let Some(v) = file.get_u64(&key("attention.value_length"))?
        && v as usize != head_dim
    {
        return Err(err(format!(
            "metadata key `{}` = {v} differs from the key length {head_dim}: not supported",
            key("attention.value_length")
        )));
    }
    let rms_norm_eps = keys
        .f64("attention.layer_norm_rms_epsilon")?
        .ok_or_else(|| {
            err(format!(
                "metadata key `{}` is missing",
                key("attention.layer_norm_rms_epsilon")
            ))
        })?;
    let rope_theta = keys
        .f64("rope.freq_base")?
        .unwrap_or(family.defaults.rope_theta);
    let rope_scaling = rope_scaling_from_gguf(file, &arch_name, head_dim)?;

    let token_embd = file
        .tensor_info("token_embd.weight")
        .ok_or_else(|| err("tensor `token_embd.weight` is missing".into()))?;
    let vocab_size = token_embd.shape().first().copied().unwrap_or(0);
    if token_embd.dims.len() != 2 || token_embd.dims[0] as usize != hidden_size {
        return Err(err(format!(
            "tensor `token_embd.weight` has dims {:?}, expected [{hidden_size}, vocab]",
            token_embd.dims
        )));
    }
    let tie_word_embeddings = file.tensor_info("output.weight").is_none();
    let max_position_embeddings = keys.usize("context_length")?.unwrap_or(2048);
    let token_id = |k: &str| -> Result<Option<u32>> {
        file.get_u64(k)?
            .map(|v| {
                u32::try_from(v)
                    .map_err(|_| err(format!("metadata key `{k}`: {v} is not a token id")))
            })
            .transpose()
    };
    let bos_token_id = token_id("tokenizer.ggml.bos_token_id")?;
    let eos_token_id = token_id("tokenizer.ggml.eos_token_id")?;
    let softcap = keys.f64("final_logit_softcapping")?.filter(|&c| c > 0.0);

    let mut config = ModelConfig {
        architecture,
        vocab_size,
        hidden_size,
        intermediate_size,
        num_layers,
        num_heads,
        num_kv_heads,
        head_dim,
        rms_norm_eps,
        rope_theta,
        rope_local_theta: None,
        rope_scaling,
        sliding_window: None,
        sliding_window_pattern: None,
        attention_scale: 1.0 / (head_dim as f64).sqrt(),
        final_logit_softcapping: softcap,
        tie_word_embeddings,
        // GGUF stores no activation: the family's.
        activation: family.defaults.activation,
        bos_token_id,
        eos_token_id,
        max_position_embeddings,
    };
    if let Some(extras) = family.gguf_extras {
        extras(&keys, &mut config)?;
    }
    Ok(config)
}

/// The tensor in which llama.cpp's converter stores Llama 3 RoPE scaling: one divisor of the
/// rotation frequency per rotary pair (ggml's `freq_factors`).
pub const ROPE_FREQS_TENSOR: &str = "rope_freqs.weight";

/// RoPE scaling as llama.cpp reads it: `{arch}.rope.scaling.type` (default "linear"; "none" = off)
/// with `{arch}.rope.scaling.factor` (or the older `{arch}.rope.scale_linear`; absent or 0 = off),
/// and the `rope_freqs.weight` tensor, which ggml applies whatever the type. Linear scaling and
/// frequency factors together divide each frequency by both. Other types (yarn, longrope) are
/// errors.
fn rope_scaling_from_gguf(
    file: &GgufFile,
    arch: &str,
    head_dim: usize,
) -> Result<Option<RopeScaling>> {
    let err = |what: String| Error::format(file.path(), what);
    let type_key = format!("{arch}.rope.scaling.type");
    let factor_key = format!("{arch}.rope.scaling.factor");
    let old_factor_key = format!("{arch}.rope.scale_linear");
    let factor = match file.get_f64(&factor_key)? {
        Some(f) => Some((f, factor_key)),
        None => file.get_f64(&old_factor_key)?.map(|f| (f, old_factor_key)),
    };
    let linear = match file.get_str(&type_key)? {
        None | Some("linear") => factor.filter(|&(f, _)| f != 0.0),
        Some("none") => None,
        Some(other) => {
            return Err(err(format!(
                "metadata key `{type_key}`: RoPE scaling `{other}` is not supported (supported: \
                 none, linear, and Llama 3 scaling as the `{ROPE_FREQS_TENSOR}` tensor)"
            )));
        }
    };
    if let Some((f, k)) = &linear
        && !(f.is_finite() && *f > 0.0)
    {
        return Err(err(format!(
            "metadata key `{k}`: RoPE scaling factor {f} must be a positive number"
        )));
    }
    let factors = match file.tensor_info(ROPE_FREQS_TENSOR) {
        None => None,
        Some(_) => {
            let factors = file.dequantize(ROPE_FREQS_TENSOR)?;
            RopeScaling::Frequencies {
                factors: factors.clone(),
            }
            .check(head_dim)
            .map_err(|e| err(format!("tensor `{ROPE_FREQS_TENSOR}`: {e}")))?;
            Some(factors)
        }
    };
    Ok(match (linear, factors) {
        (None, None) => None,
        (Some((factor, _)), None) => Some(RopeScaling::Linear { factor }),
        (None, Some(factors)) => Some(RopeScaling::Frequencies { factors }),
        (Some((factor, _)), Some(factors)) => Some(RopeScaling::Frequencies {
            factors: factors.iter().map(|&d| d * factor as f32).collect(),
        }),
    })
}

/// An integer key that is either a scalar or a per-layer array with one repeated value.
fn per_layer_uniform(file: &GgufFile, key: &str) -> Result<Option<usize>> {
    match file.get(key) {
        None => Ok(None),
        Some(MetadataValue::Array(a)) => {
            let values = a.to_i64_vec().ok_or_else(|| {
                Error::format(
                    file.path(),
                    format!("metadata key `{key}`: expected integers"),
                )
            })?;
            match values.split_first() {
                Some((&first, rest)) if rest.iter().all(|&v| v == first) && first >= 0 => {
                    Ok(Some(to_usize(file, key, first as u64)?))
                }
                _ => Err(Error::format(
                    file.path(),
                    format!(
                        "metadata key `{key}`: per-layer values {values:?} differ (not supported)"
                    ),
                )),
            }
        }
        Some(_) => match file.get_u64(key)? {
            Some(v) => Ok(Some(to_usize(file, key, v)?)),
            None => Ok(None),
        },
    }
}
