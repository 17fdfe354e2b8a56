//! MLP neuron capture: which intermediate tensor to read, and its reductions.
//!
//! Reductions run on the device while the forward pass runs: per batch, a masked matrix product
//! turns each layer's `[tokens, neurons]` tensor into `[1, neurons]` (corpus statistics) or
//! `[prompts, neurons]` (per-prompt sums). Only those reductions are copied to the host, where
//! corpus statistics are accumulated across batches in f64/u64.

use burn::tensor::{FloatDType, Tensor};
use serde::{Deserialize, Serialize};

pub use neuron_types::{CaptureSite, CorpusStats};

use crate::error::{Error, Result};

/// Mean activation of each prompt, `[prompts, layers, neurons]` row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptMeans {
    pub prompts: usize,
    pub layers: usize,
    pub neurons: usize,
    pub data: Vec<f32>,
}

impl PromptMeans {
    /// Mean of (prompt, layer, neuron).
    pub fn get(&self, prompt: usize, layer: usize, neuron: usize) -> f32 {
        self.data[(prompt * self.layers + layer) * self.neurons + neuron]
    }

    /// The `[neurons]` slice of one prompt and layer.
    pub fn row(&self, prompt: usize, layer: usize) -> &[f32] {
        let o = (prompt * self.layers + layer) * self.neurons;
        &self.data[o..o + self.neurons]
    }
}

/// Receives the capture-site tensor `[rows * cols, neurons]` of every layer during a forward.
pub(crate) trait ActivationSink {
    fn site(&self) -> CaptureSite;
    fn record(&mut self, layer: usize, act: Tensor<2>);
}

/// Corpus reductions of one batch: `weights [1, n]` is 1 for counted tokens, 0 elsewhere.
pub(crate) struct CorpusAccumulator {
    site: CaptureSite,
    weights: Tensor<2>,
    over_zero: Vec<Tensor<2>>,
    sum: Vec<Tensor<2>>,
    sum_sq: Vec<Tensor<2>>,
}

impl CorpusAccumulator {
    pub fn new(site: CaptureSite, weights: Tensor<2>) -> Self {
        Self {
            site,
            weights,
            over_zero: Vec::new(),
            sum: Vec::new(),
            sum_sq: Vec::new(),
        }
    }

    /// Copy the `[layers, neurons]` batch reductions to the host and add them to `stats`.
    pub fn add_into(self, stats: &mut CorpusStats, tokens: u64) -> Result<()> {
        let expect = stats.layers * stats.neurons;
        let read = |v: Vec<Tensor<2>>, what: &str| -> Result<Vec<f32>> {
            if v.len() != stats.layers {
                return Err(Error::Invalid(format!(
                    "capture saw {} layers, expected {}",
                    v.len(),
                    stats.layers
                )));
            }
            let data = Tensor::cat(v, 0)
                .try_into_vec_as::<f32>()
                .map_err(|e| Error::Invalid(format!("reading {what} from the device: {e:?}")))?;
            if data.len() != expect {
                return Err(Error::Invalid(format!(
                    "{what}: {} values, expected {expect}",
                    data.len()
                )));
            }
            Ok(data)
        };
        let oz = read(self.over_zero, "over_zero")?;
        let s = read(self.sum, "sum")?;
        let sq = read(self.sum_sq, "sum_sq")?;
        stats.tokens += tokens;
        for (a, v) in stats.over_zero.iter_mut().zip(&oz) {
            // Exact: a sum of 0/1 over fewer than 2^24 tokens per batch.
            *a += v.round() as u64;
        }
        for (a, v) in stats.sum.iter_mut().zip(&s) {
            *a += *v as f64;
        }
        for (a, v) in stats.sum_sq.iter_mut().zip(&sq) {
            *a += *v as f64;
        }
        Ok(())
    }
}

impl ActivationSink for CorpusAccumulator {
    fn site(&self) -> CaptureSite {
        self.site
    }

    fn record(&mut self, _layer: usize, act: Tensor<2>) {
        let a = act.cast(FloatDType::F32);
        let positive = a.clone().greater_elem(0.0).float();
        self.over_zero.push(self.weights.clone().matmul(positive));
        self.sum_sq
            .push(self.weights.clone().matmul(a.clone().square()));
        self.sum.push(self.weights.clone().matmul(a));
    }
}

/// Per-row weighted sums of one batch: `weights [rows, 1, cols]`; after all layers,
/// `sums[layer]` is `[rows, neurons]`. Decode steps add onto existing sums.
pub(crate) struct RowSumAccumulator {
    site: CaptureSite,
    weights: Tensor<3>,
    pub sums: Vec<Tensor<2>>,
}

impl RowSumAccumulator {
    pub fn new(site: CaptureSite, weights: Tensor<3>) -> Self {
        Self {
            site,
            weights,
            sums: Vec::new(),
        }
    }

    /// Weights for the next forward call (`[rows, 1, cols]`).
    pub fn set_weights(&mut self, weights: Tensor<3>) {
        self.weights = weights;
    }

    /// Keep only the given rows of the running sums.
    pub fn keep_rows(&mut self, idx: &Tensor<1, burn::tensor::Int>) {
        for s in &mut self.sums {
            *s = s.clone().select(0, idx.clone());
        }
    }

    /// Copy the sums of the given rows to the host, `[rows, layers, neurons]`.
    pub fn read_rows(&self, idx: &Tensor<1, burn::tensor::Int>) -> Result<Vec<f32>> {
        let stacked: Tensor<3> = Tensor::stack(self.sums.clone(), 1);
        stacked
            .select(0, idx.clone())
            .try_into_vec_as::<f32>()
            .map_err(|e| Error::Invalid(format!("reading prompt sums from the device: {e:?}")))
    }
}

impl ActivationSink for RowSumAccumulator {
    fn site(&self) -> CaptureSite {
        self.site
    }

    fn record(&mut self, layer: usize, act: Tensor<2>) {
        let [rows, _, cols] = self.weights.dims();
        let neurons = act.dims()[1];
        let a = act.cast(FloatDType::F32).reshape([rows, cols, neurons]);
        let s = self.weights.clone().matmul(a).reshape([rows, neurons]);
        if layer < self.sums.len() {
            self.sums[layer] = self.sums[layer].clone() + s;
        } else {
            self.sums.push(s);
        }
    }
}

impl crate::model::Transformer {
    /// Corpus statistics of `site` over windows of token ids (each usually starting with BOS).
    /// Counted: every real token except a BOS at position 0; padding never. Empty windows add
    /// nothing.
    pub fn corpus_stats(&self, windows: &[Vec<u32>], site: CaptureSite) -> Result<CorpusStats> {
        self.check_ids_allow_empty(windows, "window", true)?;
        let c = self.config();
        let mut stats = CorpusStats::zeros(c.num_layers, c.intermediate_size);
        for batch in self.right_padded_batches(windows) {
            let (rows, layout) = (&batch.rows, &batch.layout);
            let mut weights = vec![0f32; layout.rows() * layout.cols];
            let mut tokens = 0u64;
            for (b, r) in rows.iter().enumerate() {
                for (p, &t) in r.iter().enumerate() {
                    if !self.is_skipped(p, t) {
                        weights[b * layout.cols + p] = 1.0;
                        tokens += 1;
                    }
                }
            }
            if tokens == 0 {
                continue;
            }
            let n = weights.len();
            let mut acc = CorpusAccumulator::new(site, self.float_tensor(weights, [1, n]));
            let _ = self.forward(&batch.ids, layout, None, Some(&mut acc));
            acc.add_into(&mut stats, tokens)?;
        }
        Ok(stats)
    }

    /// Mean of `site` over each prompt's tokens (a BOS at position 0 excluded).
    pub fn prompt_means(&self, prompts: &[Vec<u32>], site: CaptureSite) -> Result<PromptMeans> {
        self.check_ids(prompts, "prompt")?;
        let c = self.config();
        let (layers, neurons) = (c.num_layers, c.intermediate_size);
        let per_prompt = layers * neurons;
        let mut data = vec![0f32; prompts.len() * per_prompt];
        for batch in self.right_padded_batches(prompts) {
            let layout = &batch.layout;
            let (weights, counts) = self.prompt_weights(&batch.rows, layout);
            if let Some(b) = counts.iter().position(|&n| n == 0) {
                return Err(Error::Invalid(format!(
                    "prompt {} has no token besides BOS",
                    batch.index[b]
                )));
            }
            let mut acc = RowSumAccumulator::new(
                site,
                self.float_tensor(weights, [layout.rows(), 1, layout.cols]),
            );
            let _ = self.forward(&batch.ids, layout, None, Some(&mut acc));
            let all: Vec<usize> = (0..layout.rows()).collect();
            let sums = acc.read_rows(&self.int_tensor(&all))?;
            for (b, &i) in batch.index.iter().enumerate() {
                let inv = 1.0 / counts[b] as f32;
                let src = &sums[b * per_prompt..(b + 1) * per_prompt];
                for (d, s) in data[i * per_prompt..(i + 1) * per_prompt]
                    .iter_mut()
                    .zip(src)
                {
                    *d = s * inv;
                }
            }
        }
        Ok(PromptMeans {
            prompts: prompts.len(),
            layers,
            neurons,
            data,
        })
    }

    /// The activations of `site` at the last token of each sequence, as a
    /// [`PromptMeans`]-shaped `[sequences, layers, neurons]` array.
    pub fn last_token_activations(
        &self,
        seqs: &[Vec<u32>],
        site: CaptureSite,
    ) -> Result<PromptMeans> {
        self.check_ids(seqs, "sequence")?;
        let c = self.config();
        let (layers, neurons) = (c.num_layers, c.intermediate_size);
        let per = layers * neurons;
        let mut data = vec![0f32; seqs.len() * per];
        for batch in self.right_padded_batches(seqs) {
            let layout = &batch.layout;
            let mut weights = vec![0f32; layout.rows() * layout.cols];
            for (b, &l) in batch.lens.iter().enumerate() {
                weights[b * layout.cols + l - 1] = 1.0;
            }
            let mut acc = RowSumAccumulator::new(
                site,
                self.float_tensor(weights, [layout.rows(), 1, layout.cols]),
            );
            let _ = self.forward(&batch.ids, layout, None, Some(&mut acc));
            let all: Vec<usize> = (0..layout.rows()).collect();
            let v = acc.read_rows(&self.int_tensor(&all))?;
            for (b, &i) in batch.index.iter().enumerate() {
                data[i * per..(i + 1) * per].copy_from_slice(&v[b * per..(b + 1) * per]);
            }
        }
        Ok(PromptMeans {
            prompts: seqs.len(),
            layers,
            neurons,
            data,
        })
    }

    /// Row weights `[rows, cols]` (1 for counted tokens) and counted tokens per row.
    pub(crate) fn prompt_weights(
        &self,
        rows: &[&[u32]],
        layout: &crate::model::batch::BatchLayout,
    ) -> (Vec<f32>, Vec<u64>) {
        let mut weights = vec![0f32; layout.rows() * layout.cols];
        let mut counts = vec![0u64; rows.len()];
        for (b, r) in rows.iter().enumerate() {
            let o = b * layout.cols + layout.start[b] - layout.past;
            for (p, &t) in r.iter().enumerate() {
                if !self.is_skipped(p, t) {
                    weights[o + p] = 1.0;
                    counts[b] += 1;
                }
            }
        }
        (weights, counts)
    }
}
