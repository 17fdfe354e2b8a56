//! Pair overlap neurons `O_st` and bridge neuron sets `B_k` (docs/METHOD.md §4).

use serde::{Deserialize, Serialize};

use crate::probe::row_mean;
use crate::{LanguageSets, NeuronSet, OverlapError, ProbeTensor};

/// Default bridge candidates (docs/METHOD.md §5; the list lives in `langs`).
pub use langs::DEFAULT_BRIDGES as DEFAULT_CANDIDATES;

/// [`DEFAULT_CANDIDATES`] minus `source` and `target`.
pub fn default_candidates(source: &str, target: &str) -> Vec<&'static str> {
    langs::default_bridges(&[source, target])
}

/// Which neurons of candidate `k` stand for it in the HSIC comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BridgeVariant {
    /// Default: per layer, the neurons of `T_k \ O_st` ranked by mean probe activation
    /// (descending, ties to the lower neuron index), the top `m = |O_st ∩ layer|` of them
    /// (all of them when fewer).
    #[default]
    TopByProbeMean,
    /// `T_k` whole.
    Whole,
    /// `T_k ∩ (T_s ∪ T_t)`: bridge neurons shared with the source or the target.
    SharedWithPair,
}

/// `O_st = T_s ∩ T_t`.
pub fn pair_overlap(t_s: &NeuronSet, t_t: &NeuronSet) -> Result<NeuronSet, OverlapError> {
    t_s.intersection(t_t)
}

/// The bridge set `B_k` of candidate `k` for the pair `(s, t)` under `variant`. `probe` is the
/// s→t probe tensor (only read by [`BridgeVariant::TopByProbeMean`]).
pub fn bridge_set(
    t_k: &NeuronSet,
    t_s: &NeuronSet,
    t_t: &NeuronSet,
    probe: &ProbeTensor<'_>,
    variant: BridgeVariant,
) -> Result<NeuronSet, OverlapError> {
    let shape = t_k.shape();
    shape.check_same("candidate set vs source set", &t_s.shape())?;
    shape.check_same("candidate set vs target set", &t_t.shape())?;
    match variant {
        BridgeVariant::Whole => Ok(t_k.clone()),
        BridgeVariant::SharedWithPair => t_k.intersection(&t_s.union(t_t)?),
        BridgeVariant::TopByProbeMean => {
            shape.check_same("neuron sets vs probe tensor", &probe.shape())?;
            let o = pair_overlap(t_s, t_t)?;
            let pool = t_k.difference(&o)?;
            let mut ids = Vec::new();
            for layer in 0..shape.layers() {
                let m = o.layer(layer).len();
                let mut ranked: Vec<(f64, u32)> = Vec::with_capacity(pool.layer(layer).len());
                for &id in pool.layer(layer) {
                    // Shapes were checked equal above, so every id has a row.
                    let row = probe.row_by_id(id).ok_or(OverlapError::IdOutOfRange {
                        id: id as u64,
                        layers: probe.layers(),
                        neurons: probe.neurons(),
                        max: shape.total() as u64 - 1,
                    })?;
                    ranked.push((row_mean(row), id));
                }
                ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                ids.extend(ranked.iter().take(m).map(|r| r.1));
            }
            NeuronSet::new(shape, ids)
        }
    }
}

/// One candidate's bridge set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BridgeNeurons {
    pub candidate: String,
    pub neurons: NeuronSet,
}

/// Everything the HSIC stage needs about one language pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairNeurons {
    pub source: String,
    pub target: String,
    pub variant: BridgeVariant,
    /// `O_st`.
    pub overlap: NeuronSet,
    /// `B_k` for each candidate, in the order given.
    pub bridges: Vec<BridgeNeurons>,
}

/// `O_st` and `B_k` for every candidate, from the language sets of `sets`.
pub fn pair_neurons(
    sets: &LanguageSets,
    source: &str,
    target: &str,
    candidates: &[&str],
    probe: &ProbeTensor<'_>,
    variant: BridgeVariant,
) -> Result<PairNeurons, OverlapError> {
    let t_s = sets.get(source)?;
    let t_t = sets.get(target)?;
    let overlap = pair_overlap(t_s, t_t)?;
    let bridges = candidates
        .iter()
        .map(|&c| {
            Ok(BridgeNeurons {
                candidate: c.to_string(),
                neurons: bridge_set(sets.get(c)?, t_s, t_t, probe, variant)?,
            })
        })
        .collect::<Result<Vec<_>, OverlapError>>()?;
    Ok(PairNeurons {
        source: source.into(),
        target: target.into(),
        variant,
        overlap,
        bridges,
    })
}
