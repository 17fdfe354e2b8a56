//! Per-neuron statistics over a corpus.

use serde::{Deserialize, Serialize};

/// Per-neuron statistics over a corpus, laid out `[layer * neurons + neuron]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusStats {
    pub layers: usize,
    pub neurons: usize,
    /// Tokens counted (real, non-BOS, non-padding).
    pub tokens: u64,
    /// Tokens on which the value at the capture site is > 0, per neuron.
    pub over_zero: Vec<u64>,
    /// Sum of the values, per neuron.
    pub sum: Vec<f64>,
    /// Sum of the squared values, per neuron.
    pub sum_sq: Vec<f64>,
}

/// Statistics of another shape, or vectors of the wrong length.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShapeMismatch(pub String);

impl CorpusStats {
    /// All-zero statistics.
    pub fn zeros(layers: usize, neurons: usize) -> Self {
        let n = layers * neurons;
        Self {
            layers,
            neurons,
            tokens: 0,
            over_zero: vec![0; n],
            sum: vec![0.0; n],
            sum_sq: vec![0.0; n],
        }
    }

    /// Flat index of (layer, neuron).
    pub fn index(&self, layer: usize, neuron: usize) -> usize {
        layer * self.neurons + neuron
    }

    /// Check the vector lengths against `layers x neurons`.
    pub fn check_shape(&self) -> Result<(), ShapeMismatch> {
        let n = self.layers * self.neurons;
        for (name, len) in [
            ("over_zero", self.over_zero.len()),
            ("sum", self.sum.len()),
            ("sum_sq", self.sum_sq.len()),
        ] {
            if len != n {
                return Err(ShapeMismatch(format!(
                    "`{name}` has {len} values, expected layers x neurons = {} x {} = {n}",
                    self.layers, self.neurons
                )));
            }
        }
        Ok(())
    }

    /// Add another corpus's (or batch's) statistics of the same shape.
    pub fn merge(&mut self, other: &CorpusStats) -> Result<(), ShapeMismatch> {
        if (self.layers, self.neurons) != (other.layers, other.neurons) {
            return Err(ShapeMismatch(format!(
                "cannot merge corpus statistics of shape [{}, {}] into [{}, {}]",
                other.layers, other.neurons, self.layers, self.neurons
            )));
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

    /// `p = over_zero / tokens` per neuron (0 where no tokens were seen).
    pub fn activation_probability(&self) -> Vec<f64> {
        let n = self.tokens.max(1) as f64;
        self.over_zero.iter().map(|&c| c as f64 / n).collect()
    }

    /// Mean value per neuron.
    pub fn mean(&self) -> Vec<f64> {
        let n = self.tokens.max(1) as f64;
        self.sum.iter().map(|&s| s / n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_checks_shape_and_adds() {
        let mut a = CorpusStats::zeros(1, 2);
        let mut b = CorpusStats::zeros(1, 2);
        b.tokens = 4;
        b.over_zero = vec![1, 3];
        b.sum = vec![0.5, -1.0];
        b.sum_sq = vec![1.0, 2.0];
        a.merge(&b).unwrap();
        a.merge(&b).unwrap();
        assert_eq!(a.tokens, 8);
        assert_eq!(a.over_zero, vec![2, 6]);
        assert_eq!(a.sum, vec![1.0, -2.0]);
        assert_eq!(a.activation_probability(), vec![0.25, 0.75]);
        assert_eq!(a.mean(), vec![0.125, -0.25]);
        assert!(a.merge(&CorpusStats::zeros(2, 2)).is_err());
        assert!(a.merge(&CorpusStats::zeros(2, 1)).is_err());
    }

    #[test]
    fn check_shape_names_the_vector() {
        let mut s = CorpusStats::zeros(2, 3);
        assert!(s.check_shape().is_ok());
        s.sum.pop();
        let e = s.check_shape().unwrap_err().to_string();
        assert!(e.contains("`sum` has 5 values"), "{e}");
    }
}
