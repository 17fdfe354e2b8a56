//! Every setting of a run, with the defaults of docs/METHOD.md: what the pipeline takes and
//! what its reports carry, so that a result says how it was made.

use hsic::{HsicConfig, LayerWindow};
use overlap::{BridgeVariant, GenericNeurons, SetMethod};
use serde::{Deserialize, Serialize};

use crate::probe::ProbeParams;
use crate::stats::{StatsParams, TextSelection};

/// Parameters of the bridge computation; every field's default is docs/METHOD.md's.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BridgeParams {
    /// How `T_l` is built (default: top rate 1 %, quantile cut-off).
    pub sets: SetMethod,
    /// Neurons left out of every set before it is taken (default: none, as the reference).
    #[serde(default)]
    pub generic: GenericNeurons,
    /// Which neurons stand for a candidate (default: `T_k \ O_st`, top `|O_st|` per layer by
    /// mean probe activation).
    pub variant: BridgeVariant,
    /// Score kind (default: reference), engine, threads, all layers or only the window.
    pub hsic: HsicConfig,
    /// Layers averaged into the bridge score; `None` = `[round(0.3125 L), round(0.6875 L) - 1]`.
    pub window: Option<LayerWindow>,
}

/// All settings of a similarity computation: text, statistics and how the sets are built.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SimilarityParams {
    pub text: TextSelection,
    pub stats: StatsParams,
    pub sets: SetMethod,
    #[serde(default)]
    pub generic: GenericNeurons,
}

/// All settings of a bridge computation: text, statistics, probe, scoring and the confidence
/// estimate.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PipelineParams {
    pub text: TextSelection,
    pub stats: StatsParams,
    pub probe: ProbeParams,
    pub bridge: BridgeParams,
    #[serde(default)]
    pub confidence: ConfidenceParams,
}

/// What each replicate redraws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Resample {
    /// The probe's samples, with replacement (the bootstrap). Default.
    #[default]
    Samples,
    /// The probe's number of words, without replacement, from a pool of the first `pool` probe
    /// words in the probe's seeded order (computed once, as a probe of `pool` words).
    Words { pool: usize },
}

/// Settings of the confidence estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceParams {
    /// Replicates (0 = no estimate).
    pub replicates: usize,
    pub seed: u64,
    /// The win rate from which a choice is called clear.
    pub clear_at: f64,
    #[serde(default)]
    pub resample: Resample,
}

impl Default for ConfidenceParams {
    fn default() -> Self {
        ConfidenceParams {
            replicates: 200,
            seed: 0,
            clear_at: 0.95,
            resample: Resample::Samples,
        }
    }
}
