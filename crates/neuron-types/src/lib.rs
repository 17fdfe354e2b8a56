//! neuron-types: the few types that the model runtime (`llm-runtime`, on burn) and the
//! pipeline (`neuron-probe`, burn-free) both speak, defined once here so that neither has to
//! depend on the other to agree on them.
//!
//! - [`CaptureSite`]: where in the gated MLP `down(act(gate(x)) * up(x))` a neuron is read
//!   (docs/METHOD.md §1).
//! - [`CorpusStats`]: per-neuron counts and sums over a corpus (docs/METHOD.md §2).
//! - [`ModelIdentity`]: what a model is, for artifact keys and reports (content digest,
//!   precision, shape).

mod identity;
mod site;
mod stats;

pub use identity::ModelIdentity;
pub use site::{CaptureSite, ParseCaptureSiteError};
pub use stats::{CorpusStats, ShapeMismatch};
