//! Model files as a [`crate::WeightSource`]: GGUF files ([`gguf`]) and Hugging Face checkpoint
//! directories ([`hf`]), each handing the model f32 tensors under HF names and layouts, with
//! the hyperparameters read through the model's family ([`crate::family`]). GGUF tensor names
//! and llama.cpp's q/k row permutation are in [`names`]; the GGUF format itself is
//! [`crate::gguf`].

pub mod gguf;
pub mod hf;
pub mod names;

pub use gguf::{GgufWeights, ROPE_FREQS_TENSOR, config_from_gguf};
pub use hf::{HfWeights, config_from_hf_json};
