//! The middle-layer window the bridge score averages over.

use serde::{Deserialize, Serialize};

use crate::HsicError;

/// Layers `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerWindow {
    pub first: usize,
    pub last: usize,
}

impl LayerWindow {
    /// An explicit window; must satisfy `first <= last < layers`.
    pub fn new(first: usize, last: usize, layers: usize) -> Result<Self, HsicError> {
        if first > last || last >= layers {
            return Err(HsicError::BadWindow {
                first,
                last,
                layers,
            });
        }
        Ok(LayerWindow { first, last })
    }

    /// docs/METHOD.md §5: `[round(0.3125 L), round(0.6875 L) - 1]`, which is 10..=21 for 32 layers
    /// and 6..=11 for 18. `round` is half-up (exact integer arithmetic: `(5L + 8) / 16` and
    /// `(11L + 8) / 16`, since 0.3125 = 5/16 and 0.6875 = 11/16). For very shallow models the
    /// window is kept non-empty and inside the model.
    pub fn default_for(layers: usize) -> Result<Self, HsicError> {
        if layers == 0 {
            return Err(HsicError::NoLayers);
        }
        let first = ((5 * layers + 8) / 16).min(layers - 1);
        let last = ((11 * layers + 8) / 16)
            .saturating_sub(1)
            .clamp(first, layers - 1);
        Ok(LayerWindow { first, last })
    }

    pub fn contains(&self, layer: usize) -> bool {
        (self.first..=self.last).contains(&layer)
    }

    /// Number of layers in the window.
    pub fn len(&self) -> usize {
        self.last - self.first + 1
    }

    /// Never true (a window holds at least one layer); present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn layers(&self) -> std::ops::RangeInclusive<usize> {
        self.first..=self.last
    }
}
