//! What to compute and how.

use serde::{Deserialize, Serialize};

/// Default tolerance of the series engine: the certified truncation error of every `M_ij` stays
/// below `1e-7` times its Cauchy–Schwarz scale (see [`Engine::Auto`]), well under the rounding
/// error of an f32 computation of the same matrix (about `sqrt(S) * 2^-24`, 1.3e-6 at S = 500).
pub const DEFAULT_TOL: f64 = 1e-7;

/// Which kernel statistic fills the neuron-pair matrix `M` (docs/METHOD.md §5). Whatever the kind,
/// the layer score is `½ (mean_i max_j M_ij + mean_j max_i M_ij)`.
///
/// The two variants are read per neuron pair, like the reference score, and aggregated the same
/// way, so the three kinds differ only in the statistic: the reference score is the HSIC
/// numerator without the right-hand centring and without normalisation; `Standard` is the
/// biased HSIC estimator proper; `Cka` removes the scale of each neuron's kernel. (A whole-set
/// HSIC between one kernel of all X rows and one of all Y rows would be a different method, with
/// no per-neuron matching; it is not offered.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    /// Default, the reference score: `M_ij = tr(K_i H L_j)`.
    #[default]
    Reference,
    /// Biased HSIC of each neuron pair: `M_ij = tr(K_i H L_j H) / (S - 1)^2`.
    Standard,
    /// CKA of each neuron pair: `M_ij = HSIC(K_i, L_j) / sqrt(HSIC(K_i, K_i) HSIC(L_j, L_j))`
    /// (0 when either kernel is constant, i.e. a constant probe row).
    Cka,
}

/// How `M` is computed. Both engines compute the same quantity; they differ in cost and in
/// how the Gaussian kernel is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "engine", rename_all = "snake_case")]
pub enum Engine {
    /// Default. The series engine where its error certificate holds (practically always for
    /// z-scored probe rows), the dense engine otherwise (e.g. a tiny bandwidth when a set has
    /// one or two neurons). `tol` bounds the certified truncation error of every `M_ij`
    /// relative to its Cauchy–Schwarz scale, see the crate docs.
    Auto { tol: f64 },
    /// The series engine only; an error where its certificate cannot be met.
    Series { tol: f64 },
    /// Every Gram entry `exp(-(x_a - x_b)^2 / 2σ^2)` evaluated, `M` as one product of two
    /// `[n, S(S+1)/2]` matrices. Exact up to floating-point rounding; O(n S^2) exponentials and
    /// O(n1 n2 S^2 / 2) multiply-adds per layer.
    Dense,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::Auto { tol: DEFAULT_TOL }
    }
}

/// Where the kernel bandwidth σ of a layer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigmaRule {
    /// The reference code's: the median distance over the rows of X (overlap) and Y (the
    /// candidate's bridge set) together. σ then depends on |B_k|, and the score with it.
    #[default]
    Pooled,
    /// The median distance over the overlap rows alone: one σ per layer, the same for every
    /// candidate, so candidates are compared on one kernel scale.
    Overlap,
}

/// Which window layers a candidate's bridge score averages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerAggregation {
    /// The layers where the candidate has a score; candidates may average different layers.
    #[default]
    SkipMissing,
    /// The layers where every candidate has a score, the same for all.
    Common,
    /// Every window layer, a layer without a score counting 0: the reference code's rule.
    MissingAsZero,
}

/// Bridge sets of one size per layer: each candidate's set is subsampled (without replacement)
/// to the smallest non-empty set of the layer, `draws` times, and the layer scores averaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EqualSizes {
    pub draws: usize,
    pub seed: u64,
}

/// Options of the bridge scorer.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct HsicConfig {
    pub kind: ScoreKind,
    pub engine: Engine,
    /// Worker threads; 0 = all available cores.
    pub threads: usize,
    /// Score every layer (for per-layer tables and plots), not only the layer window.
    pub all_layers: bool,
    /// Count layers whose bandwidth collapsed (see [`crate::LayerScore::degenerate`]) in the
    /// bridge score, as the reference code does. Off by default: such a layer scores `S - 1`
    /// (reference kind) for every candidate whatever the probe says, and with a window of a
    /// dozen layers one of them outweighs the rest (seen on Gemma 3 270M, docs/examples).
    #[serde(default)]
    pub keep_degenerate_layers: bool,
    /// Where σ comes from (default: the reference code's pooled median).
    #[serde(default)]
    pub sigma: SigmaRule,
    /// Which window layers enter a bridge score.
    #[serde(default)]
    pub aggregation: LayerAggregation,
    /// Layers where the overlap set or the bridge set has fewer neurons than this get no score
    /// (0 or 1: any non-empty set). Generalises the σ-collapse rule, which always applies.
    #[serde(default)]
    pub min_set_size: usize,
    /// Compare bridge sets of equal size in each layer.
    #[serde(default)]
    pub equal_sizes: Option<EqualSizes>,
}

impl HsicConfig {
    /// The reference code's rule exactly: pooled σ, bridge sets as selected, every window layer
    /// with a missing layer counting 0 and collapsed layers counting their score.
    pub fn reference_rule(self) -> Self {
        HsicConfig {
            sigma: SigmaRule::Pooled,
            aggregation: LayerAggregation::MissingAsZero,
            min_set_size: 0,
            equal_sizes: None,
            keep_degenerate_layers: true,
            ..self
        }
    }
}
