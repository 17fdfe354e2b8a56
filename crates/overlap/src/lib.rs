//! Language neuron sets and their overlaps (docs/METHOD.md §2 and §4).
//!
//! From per-language activation probabilities `p_l[layer * neurons + n] = over_zero / n_tokens`
//! this crate builds the language neuron sets `T_l` (top rate, default, or LAPE), the
//! linguistic-similarity matrices (overlap counts and cosine similarity on shared neurons), the
//! pair overlap `O_st = T_s ∩ T_t` and the bridge neuron sets `B_k` the HSIC stage compares.
//! Inputs are plain arrays; nothing here needs a model runtime.
//!
//! ```rust
//! use overlap::{BridgeVariant, ModelShape, ProbeTensor, SetMethod, StatsTable, Threshold};
//!
//! // 2 layers x 4 neurons, three languages.
//! let shape = ModelShape::new(2, 4).unwrap();
//! let mut table = StatsTable::new(shape);
//! table.push("sw", vec![0.9, 0.1, 0.2, 0.1, 0.8, 0.1, 0.1, 0.1]).unwrap();
//! table.push("en", vec![0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.7, 0.1]).unwrap();
//! table.push_counts("de", &[3, 0, 9, 0, 8, 0, 10, 0], 10).unwrap(); // p = count / tokens
//!
//! // Keep the neurons at or above the 75th percentile of each language.
//! let method = SetMethod::TopRate { top_rate: 0.25, threshold: Threshold::Quantile };
//! let sets = overlap::language_sets(&table, &method).unwrap();
//! assert_eq!(sets.get("sw").unwrap().ids(), &[0, 4]);
//! assert_eq!(sets.get("en").unwrap().ids(), &[0, 6]);
//!
//! let sim = overlap::similarity_matrices(&table, &sets, &[]).unwrap();
//! assert_eq!(sim.overlap[0][1], 1); // sw and en share neuron 0
//!
//! // Probe tensor A[layer, neuron, sample] with 3 samples; bridge "de" for the pair sw-en.
//! let a: Vec<f32> = (0..2 * 4 * 3).map(|i| i as f32).collect();
//! let probe = ProbeTensor::new(2, 4, 3, &a[..]).unwrap();
//! let pair = overlap::pair_neurons(&sets, "sw", "en", &["de"], &probe, BridgeVariant::default()).unwrap();
//! assert_eq!(pair.overlap.ids(), &[0]);
//! // T_de = {2, 6}; layer 0 has one overlap neuron, so one bridge neuron (2) there, none in layer 1.
//! assert_eq!(pair.bridges[0].neurons.ids(), &[2]);
//! ```

mod bridge;
mod error;
mod generic;
mod neuron_set;
mod probe;
mod quantile;
mod selection;
mod shape;
mod similarity;
mod stats;

pub use bridge::{
    BridgeNeurons, BridgeVariant, DEFAULT_CANDIDATES, PairNeurons, bridge_set, default_candidates,
    pair_neurons, pair_overlap,
};
pub use error::OverlapError;
pub use generic::GenericNeurons;
pub use neuron_set::NeuronSet;
pub use probe::ProbeTensor;
pub use quantile::{kth_smallest, python_rank, quantile_linear};
pub use selection::{LanguageSets, SetMethod, Threshold, language_sets, language_sets_with};
pub use shape::ModelShape;
pub use similarity::{SimilarityMatrices, similarity_matrices};
pub use stats::{LanguageStats, StatsTable};
