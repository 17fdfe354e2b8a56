//! The probe tensor `A[layer, neuron, sample]` (docs/METHOD.md §3).

use std::borrow::Cow;

use crate::{ModelShape, OverlapError};

/// Per-prompt mean activations `A[layer, neuron, sample]`, row-major in that order: the
/// `samples` values of one neuron are contiguous. Borrows the caller's buffer or owns one.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeTensor<'a> {
    shape: ModelShape,
    samples: usize,
    data: Cow<'a, [f32]>,
}

impl<'a> ProbeTensor<'a> {
    /// Wrap `data` (`layers * neurons * samples` finite values). Every value is checked once here
    /// so that later statistics cannot be poisoned by a NaN.
    pub fn new(
        layers: usize,
        neurons: usize,
        samples: usize,
        data: impl Into<Cow<'a, [f32]>>,
    ) -> Result<Self, OverlapError> {
        let data = data.into();
        for (field, v) in [
            ("layers", layers),
            ("neurons", neurons),
            ("samples", samples),
        ] {
            if v == 0 {
                return Err(OverlapError::ProbeEmpty { field });
            }
        }
        let shape = ModelShape::new(layers, neurons)?;
        let expected = layers
            .checked_mul(neurons)
            .and_then(|x| x.checked_mul(samples))
            .ok_or(OverlapError::ProbeLength {
                layers,
                neurons,
                samples,
                expected: usize::MAX,
                got: data.len(),
            })?;
        if data.len() != expected {
            return Err(OverlapError::ProbeLength {
                layers,
                neurons,
                samples,
                expected,
                got: data.len(),
            });
        }
        if let Some((i, &value)) = data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            let (layer, rest) = (i / (neurons * samples), i % (neurons * samples));
            return Err(OverlapError::ProbeNotFinite {
                layer,
                neuron: rest / samples,
                sample: rest % samples,
                value,
            });
        }
        Ok(ProbeTensor {
            shape,
            samples,
            data,
        })
    }

    /// Build from a sample-major buffer `[samples, layers, neurons]` (the layout of per-prompt
    /// means as a model runtime produces them), transposing into an owned tensor.
    pub fn from_sample_major(
        layers: usize,
        neurons: usize,
        samples: usize,
        data: &[f32],
    ) -> Result<ProbeTensor<'static>, OverlapError> {
        let expected = layers.saturating_mul(neurons).saturating_mul(samples);
        if data.len() != expected {
            return Err(OverlapError::ProbeLength {
                layers,
                neurons,
                samples,
                expected,
                got: data.len(),
            });
        }
        let ln = layers * neurons;
        let mut out = vec![0f32; expected];
        for (s, sample) in data.chunks_exact(ln.max(1)).enumerate() {
            for (j, &v) in sample.iter().enumerate() {
                out[j * samples + s] = v;
            }
        }
        ProbeTensor::new(layers, neurons, samples, out)
    }

    pub fn layers(&self) -> usize {
        self.shape.layers()
    }

    pub fn neurons(&self) -> usize {
        self.shape.neurons()
    }

    pub fn samples(&self) -> usize {
        self.samples
    }

    /// `(layers, neurons)` as a [`ModelShape`].
    pub fn shape(&self) -> ModelShape {
        self.shape
    }

    /// All values, `[layer, neuron, sample]` row-major.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// The `samples` values of one neuron; `None` when out of range.
    pub fn row(&self, layer: usize, neuron: usize) -> Option<&[f32]> {
        self.row_by_id(self.shape.id(layer, neuron).ok()?)
    }

    /// The row of a flat neuron id (`layer * neurons + neuron`); `None` when out of range.
    pub fn row_by_id(&self, id: u32) -> Option<&[f32]> {
        let start = (id as usize).checked_mul(self.samples)?;
        self.data.get(start..start + self.samples)
    }

    /// Mean over samples of one neuron, accumulated in f64; `None` when out of range.
    pub fn mean(&self, layer: usize, neuron: usize) -> Option<f64> {
        self.row(layer, neuron).map(row_mean)
    }
}

/// Mean of a row, accumulated in f64.
pub(crate) fn row_mean(row: &[f32]) -> f64 {
    row.iter().map(|&v| v as f64).sum::<f64>() / row.len() as f64
}
