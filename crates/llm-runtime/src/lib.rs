//! llm-runtime: decoder LLMs (llama, qwen2, gemma3) on burn, loaded from GGUF or Hugging Face
//! directories, with MLP neuron activation capture reduced on the device.
//!
//! (Module docs and the runnable example are completed as the modules land.)

pub mod config;
pub mod error;
pub mod weights;

pub use config::{Activation, Architecture, ModelConfig};
pub use error::{Error, Result};
pub use weights::{HostTensor, WeightSource};
