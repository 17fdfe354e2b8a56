//! The BridgeX bridge score (docs/METHOD.md §5): how strongly a candidate bridge language's neurons
//! co-vary with a language pair's overlap neurons on the pair's dictionary probe.
//!
//! Per layer, X holds the probe rows of the overlap neurons `O_st` (`n1 x S`), Y those of a
//! candidate's bridge neurons `B_k` (`n2 x S`). Rows are z-scored (unbiased std, `+1e-6`),
//! σ is the lower median of all pairwise row distances within X and within Y (self-distances
//! included) `+1e-6`, each neuron gets a Gaussian Gram matrix over samples
//! `K_i[a,b] = exp(-(X_ia - X_ib)^2 / 2σ^2)` (likewise `L_j`), and with `H = I - 11ᵀ/S`:
//!
//! * [`ScoreKind::Reference`] (default): `M_ij = tr(K_i H L_j)`;
//! * [`ScoreKind::Standard`]: `M_ij = tr(K_i H L_j H) / (S-1)^2`, the biased HSIC;
//! * [`ScoreKind::Cka`]: `M_ij = HSIC(K_i, L_j) / sqrt(HSIC(K_i, K_i) HSIC(L_j, L_j))`.
//!
//! The layer score is `½ (mean_i max_j M_ij + mean_j max_i M_ij)`; the bridge score is the mean
//! over the middle-layer [`LayerWindow`] of the layers that have a score; the chosen bridge is
//! the argmax.
//!
//! One decision beyond docs/METHOD.md: a layer whose bandwidth collapses (median distance 0, which
//! happens when the sets have one or two neurons there) scores `S - 1` for every candidate and
//! is left out of the bridge score by default ([`LayerScore::degenerate`],
//! [`HsicConfig::keep_degenerate_layers`] restores the reference code's mean). On Gemma 3 270M
//! such layers decided the en→sw and zh→ja rankings before this rule.
//!
//! # Engines
//!
//! [`Engine::Dense`] evaluates every Gram entry and forms `M` as one product over packed
//! `S(S+1)/2` upper triangles (`M = <HKH, HLH> (+ S r̃ᵀs̃)`, see `dense.rs`): exact up to
//! rounding, but `n1 n2 S^2 / 2` multiply-adds per layer (11 G at 300 x 300 x 500) plus
//! `(n1 + n2) S^2` exponentials: about 1.3 s per layer, 90 s per language pair, on one core of
//! the 2-core development machine.
//!
//! The default, [`Engine::Auto`], uses the series engine (`series.rs`): the Gaussian kernel of
//! a scalar factorises as `u_a u_b exp(t_a t_b)`, whose power series turns each centred Gram
//! matrix into a sum of a few rank-one terms (eigen-compressed per neuron), so `M` needs a few
//! `n1 x S x n2` products (6 plus one for the reference score's centring term at the realistic
//! size): 14 ms per layer, about half a second per language pair on two cores. The truncation
//! is chosen per neuron with a rigorous remainder bound; every `M_ij` is within `tol`
//! (default 1e-7) times its Cauchy–Schwarz scale of the exact value, below the f32 rounding of
//! the products themselves, and each [`LayerScore`] reports its certified bound. Against an
//! exact f64 evaluation at 300 x 300 x 500 the score agrees to ~1e-8 relative (the reference
//! peer in PyTorch f32: ~2e-6). Where the certificate cannot be met (σ tiny against the data,
//! e.g. one or two neurons per set) the layer falls back to the dense engine.
//!
//! ```rust
//! use hsic::{Engine, HsicConfig, LayerWindow, ScoreKind};
//! use overlap::{ModelShape, NeuronSet, ProbeTensor};
//!
//! // A 4-layer model with 9 neurons per layer and 40 probe samples.
//! let (layers, neurons, s) = (4, 9, 40);
//! let mut a = vec![0f32; layers * neurons * s];
//! for l in 0..layers {
//!     for k in 0..s {
//!         let common = ((k * 7 + l) % 11) as f32; // a signal shared by neurons 0..6
//!         let noise = |n: usize| ((k * 13 + n * 5 + l) % 17) as f32 / 17.0;
//!         for n in 0..neurons {
//!             let v = if n < 6 { common + 0.3 * noise(n) } else { 4.0 * noise(n) };
//!             a[(l * neurons + n) * s + k] = v;
//!         }
//!     }
//! }
//! let probe = ProbeTensor::new(layers, neurons, s, &a[..]).unwrap();
//! let shape = ModelShape::new(layers, neurons).unwrap();
//! // Three neurons per set and layer: with one or two the bandwidth collapses (see
//! // `LayerScore::degenerate`) and the layer is left out of the bridge score.
//! let per_layer = |ns: std::ops::Range<usize>| {
//!     let pairs: Vec<(usize, usize)> =
//!         (0..layers).flat_map(|l| ns.clone().map(move |n| (l, n))).collect();
//!     NeuronSet::from_pairs(shape, &pairs).unwrap()
//! };
//! let overlap = per_layer(0..3);
//! let (coupled, independent) = (per_layer(3..6), per_layer(6..9));
//!
//! let config = HsicConfig::default();
//! let window = LayerWindow::default_for(layers).unwrap(); // layers 1..=2 of 4
//! assert_eq!((window.first, window.last), (1, 2));
//! let ranking = hsic::rank_bridges(&probe, &overlap, &[("xx", &independent), ("yy", &coupled)], None, &config).unwrap();
//! assert_eq!(ranking.chosen.as_deref(), Some("yy"));
//!
//! // One layer as raw rows: layer 1's neurons 0..3 against its neurons 6..9 (rows are
//! // contiguous in the [layer, neuron, sample] layout), default engine against the dense one.
//! let x = &a[(neurons) * s..(neurons + 3) * s];
//! let y = &a[(neurons + 6) * s..(neurons + 9) * s];
//! let auto = hsic::layer_score(x, 3, y, 3, s, ScoreKind::Reference, Engine::default()).unwrap();
//! let dense = hsic::layer_score(x, 3, y, 3, s, ScoreKind::Reference, Engine::Dense).unwrap();
//! assert!((auto.score - dense.score).abs() <= 1e-5 * dense.score.abs());
//! assert!(auto.truncation_bound <= 1e-6 * auto.score.abs());
//! ```

mod bridge;
mod config;
mod dense;
mod error;
mod layer;
mod linalg;
mod prep;
mod series;
mod window;

pub use bridge::{
    BridgeRanking, CandidateScore, LayerEntry, WindowMean, bridge_score, bridge_scores,
    equal_size_subsets, rank_bridges, rank_pair,
};
pub use config::{
    DEFAULT_TOL, Engine, EqualSizes, HsicConfig, LayerAggregation, ScoreKind, SigmaRule,
};
pub use error::HsicError;
pub use layer::{EngineUsed, LayerScore, PairMatrix, layer_score, pair_matrix};
pub use window::LayerWindow;
