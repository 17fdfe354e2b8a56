//! A set of neurons of one model: sorted, unique flat ids with a per-layer view.

use serde::{Deserialize, Serialize};

use crate::{ModelShape, OverlapError};

/// Sorted, duplicate-free flat neuron ids (`layer * neurons + neuron`) of one model shape.
///
/// Because ids are sorted and the layer is the major index, the neurons of one layer form a
/// contiguous run, so the per-layer view is a slice (found by binary search).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SetRepr")]
pub struct NeuronSet {
    shape: ModelShape,
    ids: Vec<u32>,
}

#[derive(Deserialize)]
struct SetRepr {
    shape: ModelShape,
    ids: Vec<u32>,
}

impl TryFrom<SetRepr> for NeuronSet {
    type Error = OverlapError;
    fn try_from(r: SetRepr) -> Result<Self, OverlapError> {
        NeuronSet::new(r.shape, r.ids)
    }
}

impl NeuronSet {
    /// The empty set.
    pub fn empty(shape: ModelShape) -> Self {
        NeuronSet {
            shape,
            ids: Vec::new(),
        }
    }

    /// From flat ids in any order; duplicates are merged. Errors on an id beyond the shape.
    pub fn new(shape: ModelShape, mut ids: Vec<u32>) -> Result<Self, OverlapError> {
        if let Some(&bad) = ids.iter().find(|&&id| id as usize >= shape.total()) {
            return Err(OverlapError::IdOutOfRange {
                id: bad as u64,
                layers: shape.layers(),
                neurons: shape.neurons(),
                max: shape.total() as u64 - 1,
            });
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(NeuronSet { shape, ids })
    }

    /// From `(layer, neuron)` pairs in any order.
    pub fn from_pairs(shape: ModelShape, pairs: &[(usize, usize)]) -> Result<Self, OverlapError> {
        let ids = pairs
            .iter()
            .map(|&(l, n)| shape.id(l, n))
            .collect::<Result<Vec<_>, _>>()?;
        NeuronSet::new(shape, ids)
    }

    /// Ids already known sorted, unique and in range (internal fast path).
    pub(crate) fn from_sorted_unchecked(shape: ModelShape, ids: Vec<u32>) -> Self {
        debug_assert!(ids.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(ids.last().is_none_or(|&id| (id as usize) < shape.total()));
        NeuronSet { shape, ids }
    }

    pub fn shape(&self) -> ModelShape {
        self.shape
    }

    /// All flat ids, ascending.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn contains(&self, id: u32) -> bool {
        self.ids.binary_search(&id).is_ok()
    }

    /// Flat ids of the neurons in `layer`, ascending; empty for a layer beyond the shape.
    pub fn layer(&self, layer: usize) -> &[u32] {
        if layer >= self.shape.layers() {
            return &[];
        }
        let n = self.shape.neurons();
        let lo = (layer * n) as u64;
        let hi = lo + n as u64;
        let start = self.ids.partition_point(|&id| (id as u64) < lo);
        let end = self.ids.partition_point(|&id| (id as u64) < hi);
        &self.ids[start..end]
    }

    /// Neuron indices within `layer` (0..neurons), ascending.
    pub fn layer_neurons(&self, layer: usize) -> Vec<usize> {
        let base = layer * self.shape.neurons();
        self.layer(layer)
            .iter()
            .map(|&id| id as usize - base)
            .collect()
    }

    /// Number of neurons in each layer.
    pub fn per_layer_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.shape.layers()];
        for &id in &self.ids {
            counts[self.shape.split(id).0] += 1;
        }
        counts
    }

    /// `(layer, neuron)` of every member, ascending.
    pub fn pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.ids.iter().map(|&id| self.shape.split(id))
    }

    /// `self ∩ other`.
    pub fn intersection(&self, other: &NeuronSet) -> Result<NeuronSet, OverlapError> {
        self.shape.check_same("set intersection", &other.shape)?;
        Ok(Self::from_sorted_unchecked(
            self.shape,
            merge(&self.ids, &other.ids, Keep::Both),
        ))
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &NeuronSet) -> Result<NeuronSet, OverlapError> {
        self.shape.check_same("set union", &other.shape)?;
        Ok(Self::from_sorted_unchecked(
            self.shape,
            merge(&self.ids, &other.ids, Keep::Either),
        ))
    }

    /// `self \ other`.
    pub fn difference(&self, other: &NeuronSet) -> Result<NeuronSet, OverlapError> {
        self.shape.check_same("set difference", &other.shape)?;
        Ok(Self::from_sorted_unchecked(
            self.shape,
            merge(&self.ids, &other.ids, Keep::LeftOnly),
        ))
    }

    /// `|self ∩ other|` without building the set.
    pub fn intersection_len(&self, other: &NeuronSet) -> Result<usize, OverlapError> {
        self.shape.check_same("set intersection", &other.shape)?;
        Ok(merge(&self.ids, &other.ids, Keep::Both).len())
    }
}

#[derive(Clone, Copy)]
enum Keep {
    Both,
    Either,
    LeftOnly,
}

/// One linear merge of two sorted, unique id lists.
fn merge(a: &[u32], b: &[u32], keep: Keep) -> Vec<u32> {
    let mut out = Vec::with_capacity(match keep {
        Keep::Both => a.len().min(b.len()),
        Keep::Either => a.len() + b.len(),
        Keep::LeftOnly => a.len(),
    });
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                if !matches!(keep, Keep::Both) {
                    out.push(a[i]);
                }
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                if matches!(keep, Keep::Either) {
                    out.push(b[j]);
                }
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                if !matches!(keep, Keep::LeftOnly) {
                    out.push(a[i]);
                }
                i += 1;
                j += 1;
            }
        }
    }
    if !matches!(keep, Keep::Both) {
        out.extend_from_slice(&a[i..]);
    }
    if matches!(keep, Keep::Either) {
        out.extend_from_slice(&b[j..]);
    }
    out
}
