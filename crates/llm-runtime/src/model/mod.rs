//! The decoder: one definition for every family, parametrised by [`ModelConfig`] and the
//! family's [`BlockPlan`](crate::family::BlockPlan). The building blocks implement the plan's
//! options (norm placement in [`layer`], q/k norms and sliding windows in [`attention`], the
//! gate activation in [`mlp`]).

pub(crate) mod attention;
pub(crate) mod batch;
pub mod host_ops;
pub(crate) mod layer;
pub(crate) mod linear;
pub(crate) mod mlp;
pub(crate) mod norm;
mod reduce;
pub(crate) mod rope;
mod score;

use std::collections::HashSet;

use burn::tensor::{FloatDType, Int, Tensor, TensorData};

use self::attention::{Attention, AttnCtx, LayerCache, decode_capacity, mask_chunks};
use self::batch::BatchLayout;
use self::layer::{DecoderLayer, Norms};
use self::linear::{Linear, Weight};
use self::mlp::Mlp;
use self::norm::RmsNorm;
use self::rope::{Rope, inverse_frequencies};
use crate::capture::ActivationSink;
use crate::device::{BackendKind, Dtype, RuntimeDevice};
use crate::error::{Error, Result};
use crate::family::EmbeddingScale;
use crate::family::ModelConfig;
use crate::quant::QuantMatrix;
use crate::weights::{HostTensor, WeightSource};

/// Default token budget of one batch (rows x padded length).
pub const DEFAULT_BATCH_TOKENS: usize = 4096;

/// Default cap on the sequences one generation batch decodes together: on a CPU, decoding
/// more rows at once gains little past 32; a GPU wants a few hundred (`set_generation_rows`).
pub const DEFAULT_GENERATION_ROWS: usize = 32;

/// A decoder LLM on a burn device. Use [`crate::Model`] for the tokenizer-aware API; this type
/// works on token ids and is what the tests drive directly.
///
/// ```
/// use std::collections::HashMap;
/// use llm_runtime::{Activation, Architecture, CaptureSite, Dtype, Error, HostTensor, ModelConfig};
/// use llm_runtime::{Result, RuntimeDevice, Transformer, WeightSource};
///
/// /// Weights held in memory (a real model comes from a GGUF file or an HF directory).
/// struct Mem(ModelConfig, HashMap<String, HostTensor>);
/// impl WeightSource for Mem {
///     fn config(&self) -> &ModelConfig { &self.0 }
///     fn tensor_names(&self) -> Vec<String> { self.1.keys().cloned().collect() }
///     fn tensor(&self, name: &str) -> Result<HostTensor> {
///         let missing = || Error::MissingTensor { origin: "mem".into(), name: name.into() };
///         self.1.get(name).cloned().ok_or_else(missing)
///     }
///     fn origin(&self) -> String { "mem".into() }
/// }
///
/// let config = ModelConfig {
///     architecture: Architecture::Llama, vocab_size: 16, hidden_size: 8, intermediate_size: 12,
///     num_layers: 1, num_heads: 2, num_kv_heads: 1, head_dim: 4, rms_norm_eps: 1e-6,
///     rope_theta: 10_000.0, rope_local_theta: None, rope_scaling: None, sliding_window: None,
///     sliding_window_pattern: None, attention_scale: 0.5, final_logit_softcapping: None,
///     tie_word_embeddings: true, activation: Activation::Silu, bos_token_id: Some(1),
///     eos_token_id: Some(2), max_position_embeddings: 64,
/// };
/// let l = "model.layers.0";
/// let shapes = [
///     ("model.embed_tokens.weight".to_string(), vec![16, 8]),
///     ("model.norm.weight".to_string(), vec![8]),
///     (format!("{l}.input_layernorm.weight"), vec![8]),
///     (format!("{l}.post_attention_layernorm.weight"), vec![8]),
///     (format!("{l}.self_attn.q_proj.weight"), vec![8, 8]),
///     (format!("{l}.self_attn.k_proj.weight"), vec![4, 8]),
///     (format!("{l}.self_attn.v_proj.weight"), vec![4, 8]),
///     (format!("{l}.self_attn.o_proj.weight"), vec![8, 8]),
///     (format!("{l}.mlp.gate_proj.weight"), vec![12, 8]),
///     (format!("{l}.mlp.up_proj.weight"), vec![12, 8]),
///     (format!("{l}.mlp.down_proj.weight"), vec![8, 12]),
/// ];
/// let tensors = shapes
///     .into_iter()
///     .map(|(name, shape)| {
///         let n = shape.iter().product::<usize>();
///         let data = (0..n).map(|i| ((i * 7 + name.len()) as f32).sin() * 0.5).collect();
///         (name, HostTensor::new(shape, data))
///     })
///     .collect();
/// let model = Transformer::from_weights(&Mem(config, tensors), &RuntimeDevice::cpu(), Dtype::F32)?;
///
/// // Corpus statistics skip the leading BOS (id 1) and never see padding.
/// let stats = model.corpus_stats(&[vec![1, 5, 7, 9], vec![1, 3]], CaptureSite::GateAct)?;
/// assert_eq!((stats.layers, stats.neurons, stats.tokens), (1, 12, 4));
/// let means = model.prompt_means(&[vec![1, 5, 7]], CaptureSite::GateAct)?;
/// assert_eq!(means.data.len(), 12);
/// let logits = model.last_logits(&[vec![1, 5, 7]])?;
/// assert_eq!(logits[0].len(), 16);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Transformer {
    config: ModelConfig,
    device: RuntimeDevice,
    dtype: Dtype,
    /// `[vocab, hidden]`.
    embed: Weight,
    /// Embedding multiplier of the family's plan (gemma3: sqrt(hidden), rounded to the dtype).
    embed_scale: Option<f32>,
    layers: Vec<DecoderLayer>,
    final_norm: RmsNorm,
    /// `[vocab, hidden]`; `None` = tied to the embedding.
    lm_head: Option<Weight>,
    batch_tokens: usize,
    /// Most sequences decoded together (see [`DEFAULT_GENERATION_ROWS`]).
    generation_rows: usize,
    /// Ids that end a generation.
    eos: Vec<u32>,
}

/// Fetch a tensor and check its shape.
fn fetch(ws: &dyn WeightSource, name: &str, shape: &[usize]) -> Result<HostTensor> {
    let t = ws.tensor(name)?;
    if t.shape != shape {
        return Err(Error::Shape {
            origin: ws.origin(),
            name: name.to_string(),
            file_name: ws.file_name(name).filter(|f| f != name),
            expected: shape.to_vec(),
            actual: t.shape.clone(),
        });
    }
    if t.data.len() != shape.iter().product::<usize>() {
        return Err(Error::Invalid(format!(
            "{}: tensor `{name}` has {} values for shape {shape:?}",
            ws.origin(),
            t.data.len()
        )));
    }
    Ok(t)
}

fn check_config(c: &ModelConfig, origin: &str) -> Result<()> {
    let bad = |what: String| Err(Error::Invalid(format!("{origin}: config: {what}")));
    if c.hidden_size == 0
        || c.num_layers == 0
        || c.num_heads == 0
        || c.intermediate_size == 0
        || c.vocab_size == 0
    {
        return bad(
            "hidden_size, num_layers, num_heads, intermediate_size and vocab_size must be > 0"
                .into(),
        );
    }
    if c.num_kv_heads == 0 || !c.num_heads.is_multiple_of(c.num_kv_heads) {
        return bad(format!(
            "num_heads {} is not a multiple of num_kv_heads {}",
            c.num_heads, c.num_kv_heads
        ));
    }
    if c.head_dim == 0 || !c.head_dim.is_multiple_of(2) {
        return bad(format!(
            "head_dim {} must be even and > 0 (rotary embedding)",
            c.head_dim
        ));
    }
    if c.sliding_window == Some(0) {
        return bad("sliding_window must be > 0".into());
    }
    if !(c.attention_scale.is_finite() && c.attention_scale > 0.0) {
        return bad(format!(
            "attention_scale {} must be positive",
            c.attention_scale
        ));
    }
    if let Some(scaling) = &c.rope_scaling {
        scaling.check(c.head_dim).or_else(bad)?;
    }
    Ok(())
}

impl Transformer {
    /// Build the model from a weight source (HF names and layouts, f32).
    pub fn from_weights(
        ws: &dyn WeightSource,
        device: &RuntimeDevice,
        dtype: Dtype,
    ) -> Result<Self> {
        let c = ws.config().clone();
        check_config(&c, &ws.origin())?;
        let names: HashSet<String> = ws.tensor_names().into_iter().collect();
        let (hid, inter, d) = (c.hidden_size, c.intermediate_size, c.head_dim);
        let (h, kvh) = (c.num_heads, c.num_kv_heads);
        let plan = c.architecture.family().block;
        let eps = c.rms_norm_eps;
        let norm = |name: &str, dim: usize| -> Result<RmsNorm> {
            Ok(RmsNorm::from_host(
                fetch(ws, name, &[dim])?,
                eps,
                plan.norm_weight_offset_one,
                device,
            ))
        };
        // On the CPU in f32, matrices stay in the file's block format (see `crate::quant`):
        // the same values, a quarter of the memory and of a decode step's traffic.
        let compact = device.kind() == BackendKind::Flex && dtype == Dtype::F32;
        let blocks = |name: &str, out: usize, inp: usize| -> Result<Option<QuantMatrix>> {
            if !compact {
                return Ok(None);
            }
            match ws.blocks(name)? {
                Some(m) if (m.rows(), m.cols()) == (out, inp) => Ok(Some(m)),
                // Another shape: `fetch` names the mismatch.
                _ => Ok(None),
            }
        };
        let weight = |name: &str, out: usize, inp: usize| -> Result<Weight> {
            Ok(match blocks(name, out, inp)? {
                Some(m) => Weight::Blocks(m),
                None => {
                    let w = fetch(ws, name, &[out, inp])?;
                    Weight::dense(
                        Tensor::<2>::from_data(
                            TensorData::new(w.data, [out, inp]),
                            (device.device(), dtype.burn()),
                        ),
                        device,
                    )
                }
            })
        };
        let linear = |name: &str, out: usize, inp: usize, bias: bool| -> Result<Linear> {
            let b_name = format!("{name}.bias");
            let b = if bias || names.contains(&b_name) {
                Some(fetch(ws, &b_name, &[out])?)
            } else {
                None
            };
            match blocks(&format!("{name}.weight"), out, inp)? {
                Some(m) => Ok(Linear::from_blocks(m, b, device)),
                None => {
                    let w = fetch(ws, &format!("{name}.weight"), &[out, inp])?;
                    Linear::from_host(w, b, device, dtype)
                }
            }
        };

        let embed = weight("model.embed_tokens.weight", c.vocab_size, hid)?;

        // The layer count comes from the file's metadata: check it against the tensors before
        // sizing anything by it (a corrupt count once asked for terabytes).
        let present = names
            .iter()
            .filter_map(|n| {
                n.strip_prefix("model.layers.")?
                    .split('.')
                    .next()?
                    .parse::<usize>()
                    .ok()
            })
            .max()
            .map_or(0, |i| i + 1);
        if c.num_layers > present {
            return Err(Error::Invalid(format!(
                "{}: config: {} layers, but the weights hold layers 0..{present}",
                ws.origin(),
                c.num_layers
            )));
        }
        let mut layers = Vec::with_capacity(c.num_layers);
        for i in 0..c.num_layers {
            let p = format!("model.layers.{i}");
            let qkv_bias = plan.qkv_bias;
            let (q_norm, k_norm) = if plan.qk_norm {
                (
                    Some(norm(&format!("{p}.self_attn.q_norm.weight"), d)?),
                    Some(norm(&format!("{p}.self_attn.k_norm.weight"), d)?),
                )
            } else {
                (None, None)
            };
            let attn = Attention {
                q: linear(&format!("{p}.self_attn.q_proj"), h * d, hid, qkv_bias)?,
                k: linear(&format!("{p}.self_attn.k_proj"), kvh * d, hid, qkv_bias)?,
                v: linear(&format!("{p}.self_attn.v_proj"), kvh * d, hid, qkv_bias)?,
                o: linear(&format!("{p}.self_attn.o_proj"), hid, h * d, false)?,
                q_norm,
                k_norm,
                heads: h,
                kv_heads: kvh,
                head_dim: d,
                scale: c.attention_scale,
                window: if c.is_global_layer(i) {
                    None
                } else {
                    c.sliding_window
                },
            };
            let mlp = Mlp {
                gate: linear(&format!("{p}.mlp.gate_proj"), inter, hid, false)?,
                up: linear(&format!("{p}.mlp.up_proj"), inter, hid, false)?,
                down: linear(&format!("{p}.mlp.down_proj"), hid, inter, false)?,
                activation: c.activation,
                host_f32: device.kind() == BackendKind::Flex && dtype == Dtype::F32,
            };
            let norms = Norms::load(&plan.norms, |suffix| {
                norm(&format!("{p}.{suffix}.weight"), hid)
            })?;
            layers.push(DecoderLayer { attn, mlp, norms });
        }
        let final_norm = norm("model.norm.weight", hid)?;
        let lm_head = if c.tie_word_embeddings || !names.contains("lm_head.weight") {
            None
        } else {
            Some(weight("lm_head.weight", c.vocab_size, hid)?)
        };
        let embed_scale = match plan.embedding_scale {
            EmbeddingScale::None => None,
            EmbeddingScale::SqrtHidden => Some(dtype.round((hid as f64).sqrt() as f32)),
        };
        Ok(Self {
            device: device.clone(),
            dtype,
            embed,
            embed_scale,
            layers,
            final_norm,
            lm_head,
            batch_tokens: DEFAULT_BATCH_TOKENS,
            generation_rows: DEFAULT_GENERATION_ROWS,
            eos: c.eos_token_id.into_iter().collect(),
            config: c,
        })
    }

    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    pub fn device(&self) -> &RuntimeDevice {
        &self.device
    }

    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// Token budget of one batch (rows x padded length); at least one row always runs.
    pub fn batch_tokens(&self) -> usize {
        self.batch_tokens
    }

    pub fn set_batch_tokens(&mut self, tokens: usize) {
        self.batch_tokens = tokens.max(1);
    }

    /// Most sequences one generation batch decodes together (the token budget applies too).
    pub fn generation_rows(&self) -> usize {
        self.generation_rows
    }

    /// A GPU decodes hundreds of rows in about the time of one; a CPU gains little past 32.
    pub fn set_generation_rows(&mut self, rows: usize) {
        self.generation_rows = rows.max(1);
    }

    /// Ids that end a generation (initially the config's EOS).
    pub fn eos_ids(&self) -> &[u32] {
        &self.eos
    }

    pub fn set_eos_ids(&mut self, ids: Vec<u32>) {
        self.eos = ids;
    }

    /// Check that every id is inside the vocabulary and every sequence is non-empty.
    pub(crate) fn check_ids(&self, seqs: &[Vec<u32>], what: &str) -> Result<()> {
        self.check_ids_allow_empty(seqs, what, false)
    }

    pub(crate) fn check_ids_allow_empty(
        &self,
        seqs: &[Vec<u32>],
        what: &str,
        allow_empty: bool,
    ) -> Result<()> {
        for (i, s) in seqs.iter().enumerate() {
            if s.is_empty() && !allow_empty {
                return Err(Error::Invalid(format!("{what} {i} is empty")));
            }
            if let Some(&t) = s.iter().find(|&&t| t as usize >= self.config.vocab_size) {
                return Err(Error::Invalid(format!(
                    "{what} {i}: token id {t} is outside the vocabulary (size {})",
                    self.config.vocab_size
                )));
            }
        }
        Ok(())
    }

    /// Padded ids of a batch, row-major `[rows, cols]` (padding = id 0, never attended to).
    pub(crate) fn padded_ids(seqs: &[&[u32]], layout: &BatchLayout) -> Vec<u32> {
        let mut ids = vec![0u32; layout.rows() * layout.cols];
        for (b, s) in seqs.iter().enumerate() {
            let o = b * layout.cols + layout.start[b] - layout.past;
            ids[o..o + s.len()].copy_from_slice(s);
        }
        ids
    }

    pub(crate) fn int_tensor(&self, v: &[usize]) -> Tensor<1, Int> {
        let data: Vec<i64> = v.iter().map(|&x| x as i64).collect();
        Tensor::<1, Int>::from_data(TensorData::new(data, [v.len()]), self.device.device())
    }

    pub(crate) fn float_tensor<const D: usize>(&self, v: Vec<f32>, shape: [usize; D]) -> Tensor<D> {
        Tensor::<D>::from_data(
            TensorData::new(v, shape),
            (self.device.device(), Dtype::F32.burn()),
        )
    }

    /// One forward pass over `ids` (`[rows, cols]` row-major, laid out by `layout`). Returns the
    /// last hidden state `[rows * cols, hidden]` before the final norm. `cache`, when given,
    /// holds one entry per layer and is extended by this call's columns.
    pub(crate) fn forward(
        &self,
        ids: &[u32],
        layout: &BatchLayout,
        mut cache: Option<&mut [LayerCache]>,
        mut sink: Option<&mut dyn ActivationSink>,
    ) -> Tensor<2> {
        let (rows, cols) = (layout.rows(), layout.cols);
        debug_assert_eq!(ids.len(), rows * cols);
        let c = &self.config;
        let idx: Vec<usize> = ids.iter().map(|&t| t as usize).collect();
        let mut x = self.embed.rows(&idx, &self.device);
        if let Some(s) = self.embed_scale {
            x = x * s;
        }
        let positions = layout.positions();
        let any_local = self.layers.iter().any(|l| l.attn.window.is_some());
        let any_global = self.layers.iter().any(|l| l.attn.window.is_none());
        let rope = |(theta, scaling)| {
            Rope::new(
                &inverse_frequencies(theta, c.head_dim, scaling),
                &positions,
                rows,
                cols,
                &self.device,
                self.dtype,
            )
        };
        // Global layers: rope_theta with rope_scaling; sliding-window layers: rope_local_theta
        // unscaled where the config has one (gemma3), else the same as global.
        let global = (c.rope_theta, c.rope_scaling.as_ref());
        let local = c.rope_local_theta.map_or(global, |t| (t, None));
        let global_rope = rope(global);
        let local_rope = if any_local && local != global {
            rope(local)
        } else {
            global_rope.clone()
        };
        // A decode step (one new column on a cache) attends over the cache's whole capacity.
        let keys = (cache.is_some() && layout.cols == 1).then(|| decode_capacity(layout.total()));
        let global_masks = if any_global {
            mask_chunks(layout, None, keys, &self.device)
        } else {
            Vec::new()
        };
        let local_masks = if any_local {
            mask_chunks(layout, c.sliding_window, keys, &self.device)
        } else {
            Vec::new()
        };
        let ctx = AttnCtx {
            rows,
            cols,
            global_masks: &global_masks,
            local_masks: &local_masks,
            global_rope: &global_rope,
            local_rope: &local_rope,
            native_gqa: self.device.native_gqa(),
            cache_capacity: keys.unwrap_or(layout.total()),
        };
        let site = sink.as_ref().map(|s| s.site());
        for (i, layer) in self.layers.iter().enumerate() {
            let lc = cache.as_deref_mut().map(|c| &mut c[i]);
            let (y, cap) = layer.forward(x, &ctx, lc, site);
            if let (Some(s), Some(a)) = (sink.as_deref_mut(), cap) {
                s.record(i, a);
            }
            x = y;
        }
        x
    }

    /// Final norm and output projection of selected hidden rows `[m, hidden]` → f32 `[m, vocab]`.
    pub(crate) fn logits(&self, hidden: Tensor<2>) -> Tensor<2> {
        let h = self.final_norm.forward(hidden);
        let l = self.lm_head.as_ref().unwrap_or(&self.embed).project(h);
        let l = l.cast(FloatDType::F32);
        match self.config.final_logit_softcapping {
            Some(cap) => (l / cap).tanh() * cap,
            None => l,
        }
    }

    pub(crate) fn new_cache(&self) -> Vec<LayerCache> {
        vec![LayerCache::default(); self.layers.len()]
    }

    /// The sequences as right-padded batches within the token budget, for every forward pass
    /// that reads the whole input at once (statistics, probes, logits, scoring). Empty
    /// sequences are left out.
    pub(crate) fn right_padded_batches<'a>(&self, seqs: &'a [Vec<u32>]) -> Vec<PaddedBatch<'a>> {
        let lens: Vec<usize> = seqs.iter().map(Vec::len).collect();
        self.plan_batches(&lens, usize::MAX)
            .into_iter()
            .filter_map(|batch| {
                let index: Vec<usize> = batch.into_iter().filter(|&i| lens[i] > 0).collect();
                if index.is_empty() {
                    return None;
                }
                let rows: Vec<&[u32]> = index.iter().map(|&i| seqs[i].as_slice()).collect();
                let lens: Vec<usize> = rows.iter().map(|r| r.len()).collect();
                let layout = BatchLayout::right_padded(&lens);
                let ids = Self::padded_ids(&rows, &layout);
                Some(PaddedBatch {
                    index,
                    rows,
                    lens,
                    layout,
                    ids,
                })
            })
            .collect()
    }

    /// Group sequence indices into batches: longest first, each batch within the token budget
    /// (rows x longest length) and `max_rows`.
    pub(crate) fn plan_batches(&self, lens: &[usize], max_rows: usize) -> Vec<Vec<usize>> {
        let mut order: Vec<usize> = (0..lens.len()).collect();
        order.sort_by(|&a, &b| lens[b].cmp(&lens[a]).then(a.cmp(&b)));
        let mut out: Vec<Vec<usize>> = Vec::new();
        let mut cur: Vec<usize> = Vec::new();
        for i in order {
            let width = cur.first().map_or(lens[i], |&f| lens[f]);
            if !cur.is_empty()
                && ((cur.len() + 1) * width > self.batch_tokens || cur.len() >= max_rows)
            {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(i);
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }

    /// Whether the token at row position `pos` is left out of statistics (a leading BOS).
    pub(crate) fn is_skipped(&self, pos: usize, token: u32) -> bool {
        pos == 0 && self.config.bos_token_id == Some(token)
    }

    /// Logits at the last token of each sequence, f32 `[vocab]` each.
    pub fn last_logits(&self, seqs: &[Vec<u32>]) -> Result<Vec<Vec<f32>>> {
        self.check_ids(seqs, "sequence")?;
        let mut out = vec![Vec::new(); seqs.len()];
        for batch in self.right_padded_batches(seqs) {
            let layout = &batch.layout;
            let hidden = self.forward(&batch.ids, layout, None, None);
            let last: Vec<usize> = batch
                .lens
                .iter()
                .enumerate()
                .map(|(b, &l)| b * layout.cols + l - 1)
                .collect();
            let logits = self.logits(hidden.select(0, self.int_tensor(&last)));
            let v = read_f32(logits)?;
            let vocab = self.config.vocab_size;
            for (b, &i) in batch.index.iter().enumerate() {
                out[i] = v[b * vocab..(b + 1) * vocab].to_vec();
            }
        }
        Ok(out)
    }

    /// Logits at every position of each sequence (`[len][vocab]` each). Costly for large
    /// vocabularies: meant for tests and short inputs.
    pub fn all_logits(&self, seqs: &[Vec<u32>]) -> Result<Vec<Vec<Vec<f32>>>> {
        self.check_ids(seqs, "sequence")?;
        let vocab = self.config.vocab_size;
        let mut out = vec![Vec::new(); seqs.len()];
        for batch in self.right_padded_batches(seqs) {
            let layout = &batch.layout;
            let hidden = self.forward(&batch.ids, layout, None, None);
            let v = read_f32(self.logits(hidden))?;
            for (b, &i) in batch.index.iter().enumerate() {
                out[i] = (0..batch.lens[b])
                    .map(|p| {
                        let o = (b * layout.cols + p) * vocab;
                        v[o..o + vocab].to_vec()
                    })
                    .collect();
            }
        }
        Ok(out)
    }
}

/// One batch of [`Transformer::right_padded_batches`].
pub(crate) struct PaddedBatch<'a> {
    /// Which of the caller's sequences, in row order.
    pub index: Vec<usize>,
    pub rows: Vec<&'a [u32]>,
    /// Real tokens per row.
    pub lens: Vec<usize>,
    pub layout: BatchLayout,
    /// The padded `[rows * cols]` token ids the forward pass takes.
    pub ids: Vec<u32>,
}

/// Copy a float tensor to the host as f32.
pub(crate) fn read_f32<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    t.try_into_vec_as::<f32>()
        .map_err(|e| Error::Invalid(format!("reading a tensor from the device: {e:?}")))
}
