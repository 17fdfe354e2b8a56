//! What a model is.

use serde::{Deserialize, Serialize};

/// What a model is, for artifact keys, result records and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelIdentity {
    /// Human-readable name (file name, hub id, "fake").
    pub name: String,
    /// Content digest: sha256 of the weights file, or another stable hash of everything that
    /// determines the activations (`llm_runtime::identity` computes it for real models).
    pub digest: String,
    /// Architecture family ("gemma3", "llama", ...).
    pub architecture: String,
    /// Numeric precision of the forward pass ("f32", "bf16"): activations differ with it.
    pub precision: String,
    pub layers: usize,
    /// MLP neurons per layer (intermediate size).
    pub neurons: usize,
}

impl ModelIdentity {
    /// What keys take from the identity: everything but the display name, so a renamed file
    /// with the same bytes still finds its artifacts.
    pub fn key_material(&self) -> serde_json::Value {
        serde_json::json!({
            "digest": self.digest,
            "architecture": self.architecture,
            "precision": self.precision,
            "layers": self.layers,
            "neurons": self.neurons,
        })
    }
}
