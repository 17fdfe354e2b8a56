//! The model interface the pipeline needs, independent of any runtime.
//!
//! The pipeline is generic over [`NeuronModel`] so that it can be tested on a tiny deterministic
//! model ([`crate::FakeModel`]) and run on `llm_runtime::Model` (feature `runtime`) without the
//! pipeline knowing anything about tensors or devices.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ProbeError, Result};

/// Where in the gated MLP `down(act(gate(x)) * up(x))` a neuron is read (METHOD.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureSite {
    /// `gate(x)`, before the activation function.
    GatePre,
    /// `act(gate(x))`: the method's site.
    #[default]
    GateAct,
    /// `up(x)`.
    Up,
    /// `act(gate(x)) * up(x)`, what enters `down`.
    Product,
}

impl CaptureSite {
    pub const ALL: [CaptureSite; 4] = [
        CaptureSite::GatePre,
        CaptureSite::GateAct,
        CaptureSite::Up,
        CaptureSite::Product,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaptureSite::GatePre => "gate_pre",
            CaptureSite::GateAct => "gate_act",
            CaptureSite::Up => "up",
            CaptureSite::Product => "product",
        }
    }
}

impl fmt::Display for CaptureSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CaptureSite {
    type Err = ProbeError;
    fn from_str(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        CaptureSite::ALL
            .into_iter()
            .find(|c| c.as_str() == norm)
            .ok_or_else(|| {
                ProbeError::param(
                    "site",
                    format!(
                        "`{s}` is not a capture site (expected gate_pre, gate_act, up or product)"
                    ),
                )
            })
    }
}

/// What a model is, for artifact keys and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelIdentity {
    /// Human-readable name (file name, hub id, "fake").
    pub name: String,
    /// Content digest: sha256 of the weights file, or another stable hash of everything that
    /// determines the activations. Artifacts are keyed by it.
    pub digest: String,
    /// Architecture family ("gemma3", "llama", ...).
    pub architecture: String,
    /// Numeric precision of the forward pass ("f32", "bf16"): activations differ with it.
    pub precision: String,
    pub layers: usize,
    /// MLP neurons per layer (intermediate size).
    pub neurons: usize,
}

impl ModelIdentity {
    /// What artifact keys take from the identity: everything but the display name, so a renamed
    /// file with the same bytes still finds its artifacts.
    pub fn key_material(&self) -> serde_json::Value {
        serde_json::json!({
            "digest": self.digest,
            "architecture": self.architecture,
            "precision": self.precision,
            "layers": self.layers,
            "neurons": self.neurons,
        })
    }
}

/// Activation statistics over a set of windows, reduced per neuron.
///
/// Vectors are laid out `[layer * neurons + neuron]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusStats {
    pub layers: usize,
    pub neurons: usize,
    /// Tokens counted (BOS and padding excluded).
    pub tokens: u64,
    /// Tokens on which the value at the capture site is > 0.
    pub over_zero: Vec<u64>,
    pub sum: Vec<f64>,
    pub sum_sq: Vec<f64>,
}

impl CorpusStats {
    pub fn zeros(layers: usize, neurons: usize) -> Self {
        let n = layers * neurons;
        CorpusStats {
            layers,
            neurons,
            tokens: 0,
            over_zero: vec![0; n],
            sum: vec![0.0; n],
            sum_sq: vec![0.0; n],
        }
    }

    /// Check the vector lengths against `layers x neurons`.
    pub fn check_shape(&self) -> std::result::Result<(), String> {
        let n = self.layers * self.neurons;
        for (name, len) in [
            ("over_zero", self.over_zero.len()),
            ("sum", self.sum.len()),
            ("sum_sq", self.sum_sq.len()),
        ] {
            if len != n {
                return Err(format!(
                    "`{name}` has {len} values, expected layers x neurons = {} x {} = {n}",
                    self.layers, self.neurons
                ));
            }
        }
        Ok(())
    }

    /// Add another batch's statistics (same shape) into these.
    pub fn merge(&mut self, other: &CorpusStats) -> std::result::Result<(), String> {
        if (other.layers, other.neurons) != (self.layers, self.neurons) {
            return Err(format!(
                "cannot merge statistics of shape {}x{} into {}x{}",
                other.layers, other.neurons, self.layers, self.neurons
            ));
        }
        other.check_shape()?;
        self.tokens += other.tokens;
        for (a, b) in self.over_zero.iter_mut().zip(&other.over_zero) {
            *a += b;
        }
        for (a, b) in self.sum.iter_mut().zip(&other.sum) {
            *a += b;
        }
        for (a, b) in self.sum_sq.iter_mut().zip(&other.sum_sq) {
            *a += b;
        }
        Ok(())
    }
}

/// A decoder LLM seen as a bank of MLP neurons.
///
/// Contract (checked by the pipeline where it can be):
/// - token windows and prompts are passed exactly as built (BOS, if any, at position 0);
/// - `corpus_stats` counts every token except a BOS at position 0 of a window, and no padding;
/// - `prompt_means` averages over the prompt tokens except a BOS at position 0 (and, with
///   `include_generated`, also over the tokens the model generates greedily after the prompt);
///   it returns `[prompts, layers, neurons]`, row-major;
/// - `greedy` returns only the continuation text, cut before the first stop string.
pub trait NeuronModel {
    fn identity(&self) -> ModelIdentity;
    fn layers(&self) -> usize;
    /// MLP neurons per layer.
    fn neurons(&self) -> usize;
    fn bos_id(&self) -> Option<u32>;
    fn encode(&self, text: &str, add_bos: bool) -> Result<Vec<u32>>;
    fn corpus_stats(&mut self, windows: &[Vec<u32>], site: CaptureSite) -> Result<CorpusStats>;
    fn prompt_means(
        &mut self,
        prompts: &[Vec<u32>],
        site: CaptureSite,
        include_generated: bool,
    ) -> Result<Vec<f32>>;
    fn greedy(
        &mut self,
        prompts: &[String],
        max_new_tokens: usize,
        stop: &[&str],
    ) -> Result<Vec<String>>;
    /// Natural-log likelihood of each `(prompt, continuation)` pair's continuation after its
    /// prompt (the prompt encoded with BOS, the continuation without): likelihood answer
    /// scoring of the downstream tasks.
    fn continuation_logprobs(&mut self, pairs: &[(String, String)]) -> Result<Vec<f64>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_round_trip() {
        for s in CaptureSite::ALL {
            assert_eq!(s.as_str().parse::<CaptureSite>().unwrap(), s);
        }
        assert_eq!(
            "Gate-Act".parse::<CaptureSite>().unwrap(),
            CaptureSite::GateAct
        );
        assert!("down".parse::<CaptureSite>().is_err());
    }

    #[test]
    fn merge_adds_and_checks_shape() {
        let mut a = CorpusStats::zeros(1, 2);
        let b = CorpusStats {
            layers: 1,
            neurons: 2,
            tokens: 3,
            over_zero: vec![1, 2],
            sum: vec![0.5, -1.0],
            sum_sq: vec![0.25, 1.0],
        };
        a.merge(&b).unwrap();
        a.merge(&b).unwrap();
        assert_eq!(a.tokens, 6);
        assert_eq!(a.over_zero, vec![2, 4]);
        assert_eq!(a.sum, vec![1.0, -2.0]);
        assert!(a.merge(&CorpusStats::zeros(2, 1)).is_err());
    }
}
