//! The contract between file-format loaders and the model code.
//!
//! A loader (GGUF or HF safetensors) hands the model f32 host tensors under **Hugging Face
//! names and layouts** (`model.layers.3.mlp.gate_proj.weight`, shape `[out, in]`, row-major),
//! already dequantised and, for llama-architecture GGUF files, with q/k rows un-permuted back to
//! rotate-half order. Gemma's RMSNorm weights are stored as HF does (the `+1` NOT folded in);
//! the GGUF loader subtracts the 1 that llama.cpp's converter folded in, so one model definition
//! serves both formats. For the CPU's compact weights a loader may also hand a 2-D weight in its
//! file's block format ([`WeightSource::blocks`]), same names, layout and row order.

use crate::error::Result;
use crate::family::ModelConfig;
use crate::quant::QuantMatrix;

/// A dense f32 tensor on the host, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl HostTensor {
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Self { shape, data }
    }
    pub fn numel(&self) -> usize {
        self.data.len()
    }
}

/// Where a model's weights and hyperparameters come from.
pub trait WeightSource {
    /// The architecture's hyperparameters.
    fn config(&self) -> &ModelConfig;
    /// Every tensor name, in HF naming.
    fn tensor_names(&self) -> Vec<String>;
    /// One tensor, dequantised to f32, in HF naming and layout. Missing = an error naming the
    /// file and the tensor.
    fn tensor(&self, name: &str) -> Result<HostTensor>;
    /// A 2-D weight `name` (`[out, in]`, HF layout) in the file's own block format, for the
    /// CPU's compact weights ([`crate::quant`]); `None` where the source holds it as f32 or
    /// has no block form (then [`Self::tensor`] serves it).
    fn blocks(&self, _name: &str) -> Result<Option<QuantMatrix>> {
        Ok(None)
    }
    /// Human-readable origin (a path) used in error messages.
    fn origin(&self) -> String;
    /// The name the file itself gives the tensor `name`, where it differs (GGUF), so messages
    /// can name what people find in the file.
    fn file_name(&self, _name: &str) -> Option<String> {
        None
    }
}
