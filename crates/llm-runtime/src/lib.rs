//! llm-runtime: decoder LLMs (llama, qwen2, gemma3) on burn, loaded from GGUF or Hugging Face
//! directories, with MLP neuron activation capture reduced on the device.
//!
//! (Module docs and the runnable example are completed as the modules land.)

pub mod capture;
pub mod config;
pub mod device;
pub mod error;
pub mod default_model;
pub mod gguf;
pub mod hf;
pub mod tokenizer;
pub mod generate;
pub mod model;
pub mod spec;
pub mod runtime;
pub mod weights;

pub use config::{Activation, Architecture, ModelConfig};
pub use error::{Error, Result};
pub use weights::{HostTensor, WeightSource};
pub use capture::{CaptureSite, CorpusStats, PromptMeans};
pub use device::{BackendKind, Dtype, RuntimeDevice};
pub use generate::{FinishReason, GenerateOptions, Generation, TokenLogit};
pub use model::Transformer;
pub use runtime::Model;
