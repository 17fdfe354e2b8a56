//! Projection `y = x W^T + b`, the weight kept in the checkpoint's `[out, in]` layout: dense
//! on the device, or (CPU, f32) in the file's block format ([`Weight::Blocks`]).
//!
//! burn-flex hands strided operands straight to the gemm crate, so no transposed copy is needed;
//! which side goes first matters for speed, though: with few rows (decoding), `(W x^T)^T` lets
//! gemm stream the weight as its contiguous left operand (measured ~1.7x faster at 16 rows),
//! while for prefill-sized inputs `x W^T` is as fast as a pre-transposed weight.

use burn::tensor::{Tensor, TensorData};

use crate::device::{Dtype, RuntimeDevice};
use crate::error::{Error, Result};
use crate::quant::QuantMatrix;
use crate::weights::HostTensor;

/// At most this many rows use the weight-first product, or the fused block kernel.
const FEW_ROWS: usize = 64;

/// Largest block of a compact weight dequantised at once for a many-row product (elements,
/// 32 MB of f32): the output head of a 262k-token vocabulary is 168M elements.
const DENSE_TILE: usize = 8 << 20;

/// A projection weight `[out, in]`.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // a few hundred per model: boxing would buy nothing
pub(crate) enum Weight {
    /// On the device, in the model's dtype.
    Dense(Tensor<2>),
    /// On a CUDA device, in the model's dtype, multiplied through cuBLASLt (src/cuda).
    #[cfg(feature = "cuda")]
    Cublas(Tensor<2>),
    /// On the CPU in the file's block format, f32 model only: few-row products (decoding) read
    /// the blocks directly, many-row ones (prefill) dequantise tiles for the dense GEMM. The
    /// weights are the loader's f32 values either way.
    Blocks(QuantMatrix),
}

impl Weight {
    /// A dense weight on `device`: on CUDA its products go through cuBLASLt where the machine
    /// has it.
    pub fn dense(w: Tensor<2>, device: &RuntimeDevice) -> Self {
        #[cfg(feature = "cuda")]
        if device.kind() == crate::device::BackendKind::Cuda && crate::cuda::cublaslt_enabled() {
            return Weight::Cublas(w);
        }
        let _ = device;
        Weight::Dense(w)
    }

    /// `x W^T` for `x: [n, in]`.
    pub fn project(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Weight::Dense(w) => project(x, w),
            #[cfg(feature = "cuda")]
            Weight::Cublas(w) => crate::cuda::project(x, w),
            Weight::Blocks(m) => project_blocks(x, m),
        }
    }

    /// Rows `ids` as `[ids.len(), in]` (an embedding lookup).
    pub fn rows(&self, ids: &[usize], device: &RuntimeDevice) -> Tensor<2> {
        match self {
            Weight::Dense(w) => dense_rows(w, ids, device),
            #[cfg(feature = "cuda")]
            Weight::Cublas(w) => dense_rows(w, ids, device),
            Weight::Blocks(m) => Tensor::<2>::from_data(
                TensorData::new(m.gather_rows(ids), [ids.len(), m.cols()]),
                (device.device(), Dtype::F32.burn()),
            ),
        }
    }
}

fn dense_rows(w: &Tensor<2>, ids: &[usize], device: &RuntimeDevice) -> Tensor<2> {
    let data: Vec<i64> = ids.iter().map(|&x| x as i64).collect();
    let idx = Tensor::<1, burn::tensor::Int>::from_data(
        TensorData::new(data, [ids.len()]),
        device.device(),
    );
    w.clone().select(0, idx)
}

#[derive(Debug, Clone)]
pub(crate) struct Linear {
    pub weight: Weight,
    /// `[1, out]`.
    pub bias: Option<Tensor<2>>,
}

impl Linear {
    /// From an HF weight `[out, in]` (and optional bias `[out]`).
    pub fn from_host(
        weight: HostTensor,
        bias: Option<HostTensor>,
        device: &RuntimeDevice,
        dtype: Dtype,
    ) -> Result<Self> {
        let [out, inp] = match weight.shape[..] {
            [o, i] => [o, i],
            _ => {
                return Err(Error::Invalid(format!(
                    "linear weight must be 2-D, got {:?}",
                    weight.shape
                )));
            }
        };
        let weight = Tensor::<2>::from_data(
            TensorData::new(weight.data, [out, inp]),
            (device.device(), dtype.burn()),
        );
        let bias = bias.map(|b| {
            Tensor::<2>::from_data(
                TensorData::new(b.data, [1, out]),
                (device.device(), dtype.burn()),
            )
        });
        Ok(Self {
            weight: Weight::dense(weight, device),
            bias,
        })
    }

    /// A weight in block format (CPU, f32 model), and an optional bias `[out]`.
    pub fn from_blocks(
        weight: QuantMatrix,
        bias: Option<HostTensor>,
        device: &RuntimeDevice,
    ) -> Self {
        let out = weight.rows();
        let bias = bias.map(|b| {
            Tensor::<2>::from_data(
                TensorData::new(b.data, [1, out]),
                (device.device(), Dtype::F32.burn()),
            )
        });
        Self {
            weight: Weight::Blocks(weight),
            bias,
        }
    }

    /// `x: [n, in]` → `[n, out]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let y = self.weight.project(x);
        match &self.bias {
            Some(b) => y + b.clone(),
            None => y,
        }
    }
}

/// `x W^T` for `x: [n, in]`, `w: [out, in]`.
pub(crate) fn project(x: Tensor<2>, w: &Tensor<2>) -> Tensor<2> {
    if x.dims()[0] <= FEW_ROWS {
        w.clone().matmul(x.transpose()).transpose()
    } else {
        x.matmul(w.clone().transpose())
    }
}

/// `x W^T` with `W` in block format.
fn project_blocks(x: Tensor<2>, m: &QuantMatrix) -> Tensor<2> {
    let [n, _] = x.dims();
    let device = x.device();
    let dense = |rows: std::ops::Range<usize>| {
        Tensor::<2>::from_data(
            TensorData::new(m.dequantize_rows(rows.clone()), [rows.len(), m.cols()]),
            (&device, Dtype::F32.burn()),
        )
    };
    if n > FEW_ROWS {
        let tile = (DENSE_TILE / m.cols().max(1)).max(1);
        let parts: Vec<Tensor<2>> = (0..m.rows())
            .step_by(tile)
            .map(|r| project(x.clone(), &dense(r..(r + tile).min(m.rows()))))
            .collect();
        return if parts.len() == 1 {
            parts.into_iter().next().unwrap_or(x)
        } else {
            Tensor::cat(parts, 1)
        };
    }
    // A flex tensor is host memory: reading it cannot fail.
    let xs = x
        .try_into_vec_as::<f32>()
        .expect("a CPU tensor reads back as f32");
    Tensor::<2>::from_data(
        TensorData::new(m.matmul_t(&xs, n), [n, m.rows()]),
        (&device, Dtype::F32.burn()),
    )
}
