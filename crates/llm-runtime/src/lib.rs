//! llm-runtime: decoder LLMs (llama, qwen2, gemma3) on burn, loaded from GGUF or Hugging Face
//! directories, with MLP neuron activation capture reduced on the device.
//!
//! - **Loading** ([`spec`]): a local GGUF file or Hugging Face directory, `hf:ORG/NAME[@REV]`,
//!   or a named model ([`models`]: the default `gemma-3-270m`, `qwen2.5-coder-0.5b`; fetched
//!   once, sha256-checked, cached). The loaders ([`gguf`], [`hf`](loader::hf)) hand the model
//!   f32 tensors under HF names and layouts ([`WeightSource`]).
//! - **RoPE scaling** ([`RopeScaling`]): HF `rope_scaling` of type `linear` (Gemma 3 4B+: global
//!   layers only) and `llama3` (Llama 3.1/3.2), GGUF linear scaling metadata and llama.cpp's
//!   `rope_freqs.weight`; other kinds (`yarn`, `dynamic`, `longrope`, ...) are load errors.
//! - **Inference** ([`Model`], [`Transformer`]): batched prefill of prompts of different lengths
//!   (padding never counts), greedy generation with a KV cache and stop strings.
//! - **Capture** ([`capture`]): MLP activations at a chosen [`CaptureSite`], reduced on the
//!   device into corpus statistics ([`CorpusStats`]) or per-prompt means ([`PromptMeans`]).
//! - **Devices** ([`device`]): `cpu` (burn's flex backend) always; `cuda[:N]` and `wgpu` with
//!   the cargo features of the same names.
//!
//! A GGUF file written in memory and read back (the writer makes test models; real files come
//! from llama.cpp's converter):
//!
//! ```rust
//! use llm_runtime::gguf::{GgmlType, GgufFile, GgufWriter, MetadataValue};
//!
//! let mut w = GgufWriter::new();
//! w.add_metadata("general.architecture", MetadataValue::String("llama".into()));
//! let weights: Vec<f32> = (0..64).map(|i| i as f32 / 64.0).collect();
//! w.add_tensor("blk.0.ffn_up.weight", &[2, 32], &weights, GgmlType::Q8_0)?;
//! let file = GgufFile::from_bytes(w.to_bytes(), "in-memory.gguf")?;
//! assert_eq!(file.architecture()?, "llama");
//! let back = file.dequantize("blk.0.ffn_up.weight")?;
//! // Q8_0 keeps 8 bits per weight: the round trip is close, not exact.
//! assert!(back.iter().zip(&weights).all(|(a, b)| (a - b).abs() < 1e-2));
//! # Ok::<(), llm_runtime::Error>(())
//! ```
//!
//! The real model (downloads 253 MB on first use, so not run as a doctest):
//!
//! ```no_run
//! use llm_runtime::{CaptureSite, Dtype, GenerateOptions, Model};
//!
//! let model = Model::load("gemma-3-270m", "cpu", Dtype::F32)?;
//! let ids = model.tokenizer().encode("English:\"water\"→Deutsch:", true)?;
//! let out = model.generate(&[ids.clone()], GenerateOptions::default())?;
//! println!("{}", out[0].text); // ` "Wasser"`
//! let means = model.prompt_means(&[ids], CaptureSite::GateAct, false)?;
//! println!("{} layers x {} neurons", means.layers, means.neurons);
//! # Ok::<(), llm_runtime::Error>(())
//! ```

pub mod capture;
#[cfg(feature = "cuda")]
mod cuda;
pub mod device;
pub mod error;
pub mod family;
pub mod generate;
pub mod gguf;
mod host_memory;
pub mod identity;
pub mod loader;
pub mod model;
pub mod models;
pub mod quant;
pub mod runtime;
pub mod spec;
pub mod tokenizer;
pub mod weights;

/// The device tensor an [`ActivationSink`] receives (burn's), so a sink can be written without
/// naming burn.
pub use burn::tensor::Tensor;
pub use capture::{ActivationSink, BatchRows, CaptureSite, CorpusStats, PromptMeans};
pub use device::{BackendKind, Dtype, RuntimeDevice};
pub use error::{Error, Result};
pub use family::{Activation, Architecture, ModelConfig, RopeScaling};
pub use generate::{FinishReason, GenerateOptions, Generation, TokenLogit};
pub use model::Transformer;
pub use neuron_types::ModelIdentity;
pub use runtime::Model;
pub use weights::{HostTensor, WeightSource};
