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
}
