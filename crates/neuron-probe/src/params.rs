//! Every setting of a run, with the defaults of docs/METHOD.md: what the pipeline takes and
//! what its reports carry, so that a result says how it was made.

use hsic::{HsicConfig, LayerWindow};
use overlap::{BridgeVariant, GenericNeurons, SetMethod};
use serde::{Deserialize, Serialize};

use crate::confidence::ConfidenceParams;
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
