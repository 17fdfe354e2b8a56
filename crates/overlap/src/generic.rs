//! Generic neurons: neurons that fire for every language alike (docs/METHOD.md §2.6).
//!
//! With the default top rate of 1 %, most of each language's set is neurons active on nearly
//! every token of every language, so the sets overlap almost completely and say little about
//! languages. This rule leaves such neurons out before the sets are taken.

use serde::{Deserialize, Serialize};

use crate::{NeuronSet, OverlapError, StatsTable};

/// Which neurons are left out of every language's set before the sets are taken.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum GenericNeurons {
    /// Nothing is left out (the reference method). Default.
    #[default]
    Keep,
    /// Neurons in the set of every language of the table (the sets built once as usual), so a
    /// second build picks from the rest.
    InEverySet,
    /// Neurons whose activation probability is at or above `bar` in every language.
    AboveBar { bar: f64 },
}

impl GenericNeurons {
    pub fn is_keep(&self) -> bool {
        matches!(self, GenericNeurons::Keep)
    }

    /// Short description for tables and logs.
    pub fn describe(&self) -> String {
        match self {
            GenericNeurons::Keep => "kept".into(),
            GenericNeurons::InEverySet => "left out: in every language's set".into(),
            GenericNeurons::AboveBar { bar } => {
                format!("left out: probability ≥ {bar} in every language")
            }
        }
    }
}

/// The neurons [`GenericNeurons`] leaves out of `table`, given a way to build plain sets (for
/// [`GenericNeurons::InEverySet`]).
pub(crate) fn generic_neurons(
    table: &StatsTable,
    rule: GenericNeurons,
    plain_sets: impl FnOnce() -> Result<Vec<NeuronSet>, OverlapError>,
) -> Result<NeuronSet, OverlapError> {
    let shape = table.shape();
    match rule {
        GenericNeurons::Keep => Ok(NeuronSet::empty(shape)),
        GenericNeurons::InEverySet => {
            let sets = plain_sets()?;
            let mut common = match sets.first() {
                Some(s) => s.clone(),
                None => return Ok(NeuronSet::empty(shape)),
            };
            for s in &sets[1..] {
                common = common.intersection(s)?;
            }
            Ok(common)
        }
        GenericNeurons::AboveBar { bar } => {
            if !(0.0..=1.0).contains(&bar) {
                return Err(OverlapError::BadParameter {
                    name: "generic bar",
                    value: bar,
                    expected: "a probability in [0, 1]",
                });
            }
            let probs: Vec<&[f64]> = table.stats().iter().map(|s| s.p.as_slice()).collect();
            let ids = (0..shape.total() as u32)
                .filter(|&i| probs.iter().all(|p| p[i as usize] >= bar))
                .collect();
            Ok(NeuronSet::from_sorted_unchecked(shape, ids))
        }
    }
}
