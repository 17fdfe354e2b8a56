//! The shape of a model's neuron space and the flat neuron id.

use serde::{Deserialize, Serialize};

use crate::OverlapError;

/// `layers x neurons` MLP neurons. A neuron's flat id is `layer * neurons + neuron`, the layout
/// of every per-neuron array in this crate (`p_l[layer * neurons + n]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ShapeRepr")]
pub struct ModelShape {
    layers: usize,
    neurons: usize,
}

#[derive(Deserialize)]
struct ShapeRepr {
    layers: usize,
    neurons: usize,
}

impl TryFrom<ShapeRepr> for ModelShape {
    type Error = OverlapError;
    fn try_from(r: ShapeRepr) -> Result<Self, OverlapError> {
        ModelShape::new(r.layers, r.neurons)
    }
}

impl ModelShape {
    /// Both dimensions at least 1, and every flat id must fit a `u32` (ids are stored as u32 to
    /// halve the memory of large sets; 4 billion neurons is far beyond any model at hand).
    pub fn new(layers: usize, neurons: usize) -> Result<Self, OverlapError> {
        if layers == 0 {
            return Err(OverlapError::EmptyShape { field: "layers" });
        }
        if neurons == 0 {
            return Err(OverlapError::EmptyShape { field: "neurons" });
        }
        let total = layers as u128 * neurons as u128;
        if total > u32::MAX as u128 + 1 {
            return Err(OverlapError::ShapeTooLarge {
                layers,
                neurons,
                total,
            });
        }
        Ok(ModelShape { layers, neurons })
    }

    pub fn layers(&self) -> usize {
        self.layers
    }

    /// Neurons per layer (the MLP intermediate size).
    pub fn neurons(&self) -> usize {
        self.neurons
    }

    /// `layers * neurons`.
    pub fn total(&self) -> usize {
        self.layers * self.neurons
    }

    /// Flat id of `(layer, neuron)`, or an error naming the bound that was crossed.
    pub fn id(&self, layer: usize, neuron: usize) -> Result<u32, OverlapError> {
        if layer >= self.layers || neuron >= self.neurons {
            return Err(OverlapError::IdOutOfRange {
                id: layer as u64 * self.neurons as u64 + neuron as u64,
                layers: self.layers,
                neurons: self.neurons,
                max: self.total() as u64 - 1,
            });
        }
        // In range by construction: total fits u32 (checked in `new`).
        Ok((layer * self.neurons + neuron) as u32)
    }

    /// `(layer, neuron)` of a flat id. The id is not range-checked.
    pub fn split(&self, id: u32) -> (usize, usize) {
        let id = id as usize;
        (id / self.neurons, id % self.neurons)
    }

    pub(crate) fn check_len(&self, what: &str, got: usize) -> Result<(), OverlapError> {
        if got != self.total() {
            return Err(OverlapError::LengthMismatch {
                what: what.to_string(),
                expected: self.total(),
                got,
                layers: self.layers,
                neurons: self.neurons,
            });
        }
        Ok(())
    }

    pub(crate) fn check_same(
        &self,
        what: &'static str,
        other: &ModelShape,
    ) -> Result<(), OverlapError> {
        if self != other {
            return Err(OverlapError::ShapeMismatch {
                what,
                left_layers: self.layers,
                left_neurons: self.neurons,
                right_layers: other.layers,
                right_neurons: other.neurons,
            });
        }
        Ok(())
    }
}
