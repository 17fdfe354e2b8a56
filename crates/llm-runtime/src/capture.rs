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

/// Where a forward pass hands over the activations at a capture site, layer by layer: the
/// extension point for reading a model's neurons ([`crate::Transformer::capture`]). The
/// reductions of the method are sinks too (corpus statistics, per-prompt sums).
///
/// Keep the work on the device: `record` gets a device tensor, and copying it to the host for
/// every layer and batch costs far more than the forward pass.
pub trait ActivationSink {
    /// Where in the gated MLP to read.
    fn site(&self) -> CaptureSite;
    /// Called before each batch's forward pass with the rows it holds.
    fn begin_batch(&mut self, _batch: &BatchRows<'_>) {}
    /// The `[rows * cols, neurons]` values of `layer` (the model's dtype); row `b`'s token at
    /// position `p` is row `b * cols + p`.
    fn record(&mut self, layer: usize, act: Tensor<2>);
}

/// The rows of one batch handed to a sink: right-padded sequences of the caller's input.
#[derive(Debug, Clone, Copy)]
pub struct BatchRows<'a> {
    /// Which of the caller's sequences each row holds.
    pub index: &'a [usize],
    /// Real tokens per row; positions at or past it are padding.
    pub lens: &'a [usize],
    /// Columns of the batch (the longest row).
    pub cols: usize,
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

    /// Stack `other`'s rows below this one's (a generation admitting new prompts).
    pub fn append_rows(&mut self, other: RowSumAccumulator) {
        for (s, o) in self.sums.iter_mut().zip(other.sums) {
            *s = Tensor::cat(vec![s.clone(), o], 0);
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
