//! [`HfWeights`]: a Hugging Face checkpoint directory (`config.json`, one or several
//! `*.safetensors` files, `tokenizer.json`) as a [`WeightSource`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::family::keys::HfKeys;
use crate::family::{Activation, Architecture, ModelConfig, RopeScaling, unsupported_architecture};
use crate::gguf::{FileBytes, GgmlType, dequantize_elements};
use crate::quant::QuantMatrix;
use crate::tokenizer::Tokenizer;
use crate::weights::{HostTensor, WeightSource};

const INDEX_FILE: &str = "model.safetensors.index.json";
const SINGLE_FILE: &str = "model.safetensors";

/// An HF checkpoint directory.
pub struct HfWeights {
    dir: PathBuf,
    config: ModelConfig,
    /// EOS ids from `config.json` (Llama 3 instruct lists several).
    eos_ids: Vec<u32>,
    shards: Vec<(PathBuf, FileBytes)>,
    /// HF name (multimodal prefixes removed) -> (shard index, name inside the shard).
    index: BTreeMap<String, (usize, String)>,
}

impl std::fmt::Debug for HfWeights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HfWeights")
            .field("dir", &self.dir)
            .field("config", &self.config)
            .field("shards", &self.shards.len())
            .field("tensors", &self.index.len())
            .finish()
    }
}

impl HfWeights {
    /// Open a checkpoint directory: parse `config.json`, map every safetensors shard (listed by
    /// `model.safetensors.index.json`, else `model.safetensors`) and index their tensors.
    pub fn open(dir: impl AsRef<Path>) -> Result<HfWeights> {
        let dir = dir.as_ref().to_path_buf();
        let config_path = dir.join("config.json");
        let config_json = read_json(&config_path)?;
        let (config, eos_ids) = config_from_hf_json(&config_json, &config_path)?;

        let shard_names = shard_files(&dir)?;
        let mut shards: Vec<(PathBuf, FileBytes)> = Vec::with_capacity(shard_names.len());
        let mut index = BTreeMap::new();
        for name in shard_names {
            let path = dir.join(&name);
            let bytes = FileBytes::open(&path)?;
            let st = SafeTensors::deserialize(&bytes)
                .map_err(|e| Error::format(&path, format!("safetensors: {e}")))?;
            let shard = shards.len();
            for key in st.names() {
                let hf = strip_multimodal_prefix(key);
                if let Some((prev, _)) = index.insert(hf.clone(), (shard, key.to_string())) {
                    let prev_path: &PathBuf = if prev == shard {
                        &path
                    } else {
                        &shards[prev].0
                    };
                    return Err(Error::format(
                        &path,
                        format!("tensor `{key}` also appears in {}", prev_path.display()),
                    ));
                }
            }
            drop(st);
            shards.push((path, bytes));
        }
        let mut config = config;
        if !index.contains_key("lm_head.weight") {
            config.tie_word_embeddings = true;
        }
        if !index.contains_key("model.embed_tokens.weight") {
            return Err(Error::MissingTensor {
                origin: dir.display().to_string(),
                name: "model.embed_tokens.weight".into(),
            });
        }
        Ok(HfWeights {
            dir,
            config,
            eos_ids,
            shards,
            index,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `tokenizer.json` of the directory, with BOS/EOS ids from `config.json`.
    pub fn tokenizer(&self) -> Result<Tokenizer> {
        let path = self.dir.join("tokenizer.json");
        if !path.is_file() {
            return Err(Error::format(
                &path,
                "tokenizer.json is missing from the model directory",
            ));
        }
        Tokenizer::from_file(&path, self.config.bos_token_id, self.eos_ids.clone())
    }
}

/// Reading one tensor of the shards.
impl HfWeights {
    /// `f(shard path, key in the file, view)` for tensor `name`; `None` when no shard holds it.
    fn with_view<R>(
        &self,
        name: &str,
        f: impl FnOnce(&Path, &str, safetensors::tensor::TensorView<'_>) -> Result<R>,
    ) -> Result<Option<R>> {
        let Some((shard, key)) = self.index.get(name) else {
            return Ok(None);
        };
        let (path, bytes) = &self.shards[*shard];
        let st = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::format(path, format!("safetensors: {e}")))?;
        let view = st
            .tensor(key)
            .map_err(|e| Error::format(path, format!("tensor `{key}`: {e}")))?;
        f(path, key, view).map(Some)
    }

    /// A tensor of any supported dtype as f32.
    fn to_host(
        path: &Path,
        key: &str,
        view: safetensors::tensor::TensorView<'_>,
    ) -> Result<HostTensor> {
        // The same element conversions as GGUF's F32/F16/BF16 tensors.
        let ty = match view.dtype() {
            Dtype::F32 => GgmlType::F32,
            Dtype::F16 => GgmlType::F16,
            Dtype::BF16 => GgmlType::BF16,
            other => {
                return Err(Error::format(
                    path,
                    format!("tensor `{key}` has dtype {other:?}; supported: F32, F16, BF16"),
                ));
            }
        };
        let raw = view.data();
        let mut data = vec![0f32; raw.len() / ty.block_bytes()];
        dequantize_elements(ty, raw, &mut data);
        Ok(HostTensor::new(view.shape().to_vec(), data))
    }
}

impl WeightSource for HfWeights {
    fn config(&self) -> &ModelConfig {
        &self.config
    }

    fn tensor_names(&self) -> Vec<String> {
        self.index.keys().cloned().collect()
    }

    fn tensor(&self, name: &str) -> Result<HostTensor> {
        self.with_view(name, Self::to_host)?
            .ok_or_else(|| Error::MissingTensor {
                origin: self.origin(),
                name: name.to_string(),
            })
    }

    fn blocks(&self, name: &str) -> Result<Option<QuantMatrix>> {
        let found = self.with_view(name, |path, key, view| {
            // f16 and bf16 are ggml's F16 and BF16 byte for byte; f32 stays dense.
            let ty = match view.dtype() {
                Dtype::F16 => GgmlType::F16,
                Dtype::BF16 => GgmlType::BF16,
                _ => return Ok(None),
            };
            let [rows, cols] = view.shape()[..] else {
                return Ok(None);
            };
            QuantMatrix::new(ty, rows, cols, view.data().to_vec())
                .map(Some)
                .map_err(|e| Error::format(path, format!("tensor `{key}`: {e}")))
        })?;
        Ok(found.flatten())
    }

    fn origin(&self) -> String {
        self.dir.display().to_string()
    }
}

/// Multimodal Gemma 3 checkpoints nest the text model (`language_model.model.*` in older
/// exports, `model.language_model.*` in newer ones); the text model's names are used here.
fn strip_multimodal_prefix(key: &str) -> String {
    if let Some(rest) = key.strip_prefix("language_model.") {
        rest.to_string()
    } else if let Some(rest) = key.strip_prefix("model.language_model.") {
        format!("model.{rest}")
    } else {
        key.to_string()
    }
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::format(path, format!("invalid JSON: {e}")))
}

/// Shard file names, in index order (deduplicated).
fn shard_files(dir: &Path) -> Result<Vec<String>> {
    let index_path = dir.join(INDEX_FILE);
    if index_path.is_file() {
        let index = read_json(&index_path)?;
        let map = index
            .get("weight_map")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                Error::format(&index_path, "key `weight_map` is missing or not an object")
            })?;
        let mut files: Vec<String> = Vec::new();
        for (tensor, file) in map {
            let file = file.as_str().ok_or_else(|| {
                Error::format(
                    &index_path,
                    format!("weight_map.`{tensor}` is not a file name"),
                )
            })?;
            if file.contains('/') || file.contains('\\') || file == ".." {
                return Err(Error::format(
                    &index_path,
                    format!("weight_map.`{tensor}`: `{file}` is not a plain file name"),
                ));
            }
            if !files.iter().any(|f| f == file) {
                files.push(file.to_string());
            }
        }
        files.sort();
        return Ok(files);
    }
    if dir.join(SINGLE_FILE).is_file() {
        return Ok(vec![SINGLE_FILE.to_string()]);
    }
    Err(Error::format(
        dir,
        format!("no {SINGLE_FILE} or {INDEX_FILE} in the model directory"),
    ))
}

/// `config.json` -> hyperparameters and the list of EOS ids. Multimodal configs are read through
/// their `text_config`. The family (from `model_type`) supplies defaults and reads its own keys.
pub fn config_from_hf_json(json: &Value, path: &Path) -> Result<(ModelConfig, Vec<u32>)> {
    let err = |what: String| Error::format(path, what);
    let top_type = json.get("model_type").and_then(Value::as_str).unwrap_or("");
    let text = json
        .get("text_config")
        .filter(|v| v.is_object())
        .unwrap_or(json);
    let model_type = text
        .get("model_type")
        .and_then(Value::as_str)
        .unwrap_or(top_type);
    let architecture = match model_type {
        "" => return Err(err("key `model_type` is missing".into())),
        other => Architecture::from_hf_model_type(other)
            .ok_or_else(|| unsupported_architecture(other))?,
    };
    let family = architecture.family();
    let mut keys = HfKeys {
        json,
        text,
        path,
        rope_local_theta: None,
    };
    let required = |k: &str| -> Result<usize> {
        keys.usize(k)?
            .ok_or_else(|| err(format!("key `{k}` is missing")))
    };

    let hidden_size = required("hidden_size")?;
    let num_heads = required("num_attention_heads")?;
    let num_kv_heads = keys.usize("num_key_value_heads")?.unwrap_or(num_heads);
    if num_heads == 0 || num_kv_heads == 0 || num_heads % num_kv_heads != 0 {
        return Err(err(format!(
            "{num_heads} attention heads cannot be grouped over {num_kv_heads} key/value heads"
        )));
    }
    let head_dim = keys.usize("head_dim")?.unwrap_or(hidden_size / num_heads);
    let ids = |k: &str| -> Result<Vec<u32>> {
        match keys.get(k) {
            None => Ok(vec![]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_u64()
                        .map(|x| x as u32)
                        .ok_or_else(|| err(format!("key `{k}`: expected token ids")))
                })
                .collect(),
            Some(v) => v
                .as_u64()
                .map(|x| vec![x as u32])
                .ok_or_else(|| err(format!("key `{k}`: expected a token id, found {v}"))),
        }
    };
    let bos = ids("bos_token_id")?.first().copied();
    let eos = ids("eos_token_id")?;
    let activation_name = keys
        .get("hidden_activation")
        .or_else(|| keys.get("hidden_act"))
        .and_then(Value::as_str);
    let activation = match activation_name {
        None => family.defaults.activation,
        Some("silu" | "swish") => Activation::Silu,
        Some("gelu_pytorch_tanh" | "gelu_tanh") => Activation::GeluTanh,
        Some(other) => {
            return Err(err(format!(
                "key `hidden_act`: activation `{other}` is not supported (silu, gelu_pytorch_tanh)"
            )));
        }
    };
    let rope = rope_from_hf(&|k| keys.get(k), family.defaults.rope_theta, head_dim, &err)?;
    let use_sliding = keys
        .get("use_sliding_window")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let sliding_window = if use_sliding {
        keys.usize("sliding_window")?
    } else {
        None
    };
    let mut config = ModelConfig {
        architecture,
        vocab_size: required("vocab_size")?,
        hidden_size,
        intermediate_size: required("intermediate_size")?,
        num_layers: required("num_hidden_layers")?,
        num_heads,
        num_kv_heads,
        head_dim,
        rms_norm_eps: keys.f64("rms_norm_eps")?.unwrap_or(1e-6),
        rope_theta: rope.theta,
        rope_local_theta: None,
        rope_scaling: rope.scaling,
        sliding_window,
        sliding_window_pattern: None,
        attention_scale: 1.0 / (head_dim as f64).sqrt(),
        final_logit_softcapping: keys.f64("final_logit_softcapping")?,
        tie_word_embeddings: keys
            .get("tie_word_embeddings")
            .and_then(Value::as_bool)
            .unwrap_or(family.defaults.tie_word_embeddings),
        activation,
        bos_token_id: bos,
        eos_token_id: eos.first().copied(),
        max_position_embeddings: keys.usize("max_position_embeddings")?.unwrap_or(2048),
    };
    if let Some(extras) = family.hf_extras {
        keys.rope_local_theta = rope.local_theta;
        extras(&keys, &mut config)?;
    }
    Ok((config, eos))
}

/// RoPE settings read from `config.json`.
struct HfRope {
    theta: f64,
    scaling: Option<RopeScaling>,
    /// The sliding-window layers' base, where `rope_parameters` gives one per layer type.
    local_theta: Option<f64>,
}

/// RoPE base and scaling. Transformers 4 writes `rope_theta` and `rope_scaling` (plus gemma3's
/// `rope_local_base_freq`, which its family reads); transformers 5 writes `rope_parameters`,
/// either one object (base and scaling together) or one per layer type (`full_attention`,
/// `sliding_attention`). A non-null `rope_scaling` wins over `rope_parameters`, as in
/// transformers 5.
fn rope_from_hf<'a>(
    get: &dyn Fn(&str) -> Option<&'a Value>,
    default_theta: f64,
    head_dim: usize,
    err: &dyn Fn(String) -> Error,
) -> Result<HfRope> {
    let number = |v: Option<&Value>, key: &str| -> Result<Option<f64>> {
        v.filter(|v| !v.is_null())
            .map(|v| {
                v.as_f64()
                    .ok_or_else(|| err(format!("key `{key}`: expected a number, found {v}")))
            })
            .transpose()
    };
    let params = get("rope_parameters").filter(|v| v.as_object().is_some_and(|o| !o.is_empty()));
    let per_layer_type = params.and_then(Value::as_object).is_some_and(|o| {
        o.keys()
            .all(|k| k == "full_attention" || k == "sliding_attention")
    });
    let (global, global_key, sliding) = match params {
        Some(p) if per_layer_type => (
            p.get("full_attention"),
            "rope_parameters.full_attention",
            p.get("sliding_attention"),
        ),
        Some(p) => (Some(p), "rope_parameters", None),
        None => (None, "rope_parameters", None),
    };
    let theta = match number(
        global.and_then(|g| g.get("rope_theta")),
        &format!("{global_key}.rope_theta"),
    )? {
        Some(t) => t,
        None => number(get("rope_theta"), "rope_theta")?.unwrap_or(default_theta),
    };
    let scaling = match get("rope_scaling") {
        Some(v) => rope_scaling_from_hf(v, "rope_scaling", head_dim, err)?,
        None => match global {
            Some(g) => rope_scaling_from_hf(g, global_key, head_dim, err)?,
            None => None,
        },
    };
    let mut local_theta = None;
    if let Some(s) = sliding {
        let key = "rope_parameters.sliding_attention";
        local_theta = number(s.get("rope_theta"), &format!("{key}.rope_theta"))?;
        if rope_scaling_from_hf(s, key, head_dim, err)?.is_some() {
            return Err(err(format!(
                "key `{key}.rope_type`: scaled RoPE on sliding-window layers is not supported \
                 (only \"default\")"
            )));
        }
    }
    Ok(HfRope {
        theta,
        scaling,
        local_theta,
    })
}

/// The rope types [`rope_scaling_from_hf`] reads.
const HF_ROPE_TYPES: &str = "default, linear, llama3";

/// One `rope_scaling` / `rope_parameters` object (`key` names it in errors) -> scaling;
/// `rope_type` (or the older `type`) "default", or an empty object, is none.
fn rope_scaling_from_hf(
    v: &Value,
    key: &str,
    head_dim: usize,
    err: &dyn Fn(String) -> Error,
) -> Result<Option<RopeScaling>> {
    if v.is_null() {
        return Ok(None);
    }
    let obj = v.as_object().ok_or_else(|| {
        err(format!(
            "key `{key}`: expected an object or null, found {v}"
        ))
    })?;
    if obj.is_empty() {
        return Ok(None);
    }
    let type_value = obj
        .get("rope_type")
        .filter(|t| !t.is_null())
        .or_else(|| obj.get("type").filter(|t| !t.is_null()));
    let rope_type = match type_value {
        None => {
            return Err(err(format!(
                "key `{key}.rope_type` is missing (supported: {HF_ROPE_TYPES})"
            )));
        }
        Some(t) => t.as_str().ok_or_else(|| {
            err(format!(
                "key `{key}.rope_type`: expected a string, found {t}"
            ))
        })?,
    };
    let number = |name: &str| -> Result<f64> {
        let v = obj.get(name).filter(|v| !v.is_null()).ok_or_else(|| {
            err(format!(
                "key `{key}.{name}` is missing (needed by rope_type \"{rope_type}\")"
            ))
        })?;
        v.as_f64()
            .ok_or_else(|| err(format!("key `{key}.{name}`: expected a number, found {v}")))
    };
    let scaling = match rope_type {
        "default" => return Ok(None),
        "linear" => RopeScaling::Linear {
            factor: number("factor")?,
        },
        "llama3" => {
            let name = "original_max_position_embeddings";
            let orig = number(name)?;
            if !(orig >= 1.0 && orig.fract() == 0.0 && orig <= u32::MAX as f64) {
                return Err(err(format!(
                    "key `{key}.{name}`: expected a positive integer, found {orig}"
                )));
            }
            RopeScaling::Llama3 {
                factor: number("factor")?,
                low_freq_factor: number("low_freq_factor")?,
                high_freq_factor: number("high_freq_factor")?,
                original_max_position_embeddings: orig as usize,
            }
        }
        other => {
            return Err(err(format!(
                "key `{key}.rope_type`: RoPE scaling \"{other}\" is not supported \
                 (supported: {HF_ROPE_TYPES})"
            )));
        }
    };
    scaling
        .check(head_dim)
        .map_err(|e| err(format!("key `{key}`: {e}")))?;
    Ok(Some(scaling))
}
