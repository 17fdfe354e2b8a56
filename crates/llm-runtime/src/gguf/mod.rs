//! The GGUF file format: parser, dequantisation and a writer (what a GGUF file means as a
//! model is [`crate::loader::gguf`]).
//!
//! Written here rather than taken from `ggus`/`ggml-quants`: the runtime wants one error type
//! whose messages name the file and the byte offset/key/tensor of any malformed input, checked
//! arithmetic on every size read from an untrusted file (fuzzed, see `fuzz/`), dequantisation
//! straight from the memory map into f32 without an intermediate tensor library, and a writer
//! sharing the reader's types for tests. The format and the block layouts are small enough that
//! owning them costs less than adapting two external APIs to those needs.

mod dequant;
mod mmap;
mod reader;
mod types;
pub mod writer;

pub(crate) use dequant::{
    Bf16Run, BlockFormat, Decode, F16Run, F32Run, dequantize_blocks, dequantize_elements,
    with_block_format,
};
pub use dequant::{DequantError, dequantize, dequantize_to_vec};
pub use mmap::FileBytes;
pub use reader::{
    DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufFile, MAX_DIMS, MetadataArray, MetadataValue, TensorInfo,
    value_type, value_type_name,
};
pub use types::{GgmlType, QK_K, type_name_for_id};
pub use writer::{GgufWriter, QuantizeError, quantize};
