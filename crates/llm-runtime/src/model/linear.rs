//! Dense projection `y = x W^T + b`, the weight kept in the checkpoint's `[out, in]` layout.
//!
//! burn-flex hands strided operands straight to the gemm crate, so no transposed copy is needed;
//! which side goes first matters for speed, though: with few rows (decoding), `(W x^T)^T` lets
//! gemm stream the weight as its contiguous left operand (measured ~1.7x faster at 16 rows),
//! while for prefill-sized inputs `x W^T` is as fast as a pre-transposed weight.

use burn::tensor::{Tensor, TensorData};

use crate::device::{Dtype, RuntimeDevice};
use crate::error::{Error, Result};
use crate::weights::HostTensor;

/// At most this many rows use the weight-first product.
const FEW_ROWS: usize = 64;

#[derive(Debug, Clone)]
pub(crate) struct Linear {
    /// `[out, in]`.
    pub weight: Tensor<2>,
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
        Ok(Self { weight, bias })
    }

    /// `x: [n, in]` → `[n, out]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let y = project(x, &self.weight);
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
