//! The integration tests of this crate, one binary (a module per former test file), so the
//! crate and its dependencies are linked once.

mod format_dequant;
mod format_gguf_corrupt;
mod format_gguf_roundtrip;
mod format_hf_dir;
mod format_models;
mod format_real_model;
mod format_spec;
mod format_tokenizer;
mod model_common;
mod model_formats;
mod model_gemma_reference;
mod model_qwen_llama_cpp;
mod model_tiny;
mod quant_blocks;
mod quant_kernels;
