//! Dense projection `y = x W^T + b` with the weight stored pre-transposed (`[in, out]`), so the
//! hot matmul reads a contiguous row-major operand on every backend.

use burn::tensor::{Tensor, TensorData};

use crate::device::{Dtype, RuntimeDevice};
use crate::error::{Error, Result};
use crate::weights::HostTensor;

#[derive(Debug, Clone)]
pub(crate) struct Linear {
    /// `[in, out]`.
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
            _ => return Err(Error::Invalid(format!("linear weight must be 2-D, got {:?}", weight.shape))),
        };
        let t = transpose(&weight.data, out, inp);
        let weight = Tensor::<2>::from_data(TensorData::new(t, [inp, out]), (device.device(), dtype.burn()));
        let bias = bias.map(|b| Tensor::<2>::from_data(TensorData::new(b.data, [1, out]), (device.device(), dtype.burn())));
        Ok(Self { weight, bias })
    }

    /// `x: [n, in]` → `[n, out]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let y = x.matmul(self.weight.clone());
        match &self.bias {
            Some(b) => y + b.clone(),
            None => y,
        }
    }
}

/// Row-major `[rows, cols]` → `[cols, rows]`, blocked so both sides stay in cache.
pub(crate) fn transpose(src: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    const B: usize = 32;
    let mut dst = vec![0.0f32; src.len()];
    for r0 in (0..rows).step_by(B) {
        for c0 in (0..cols).step_by(B) {
            for r in r0..(r0 + B).min(rows) {
                for c in c0..(c0 + B).min(cols) {
                    dst[c * rows + r] = src[r * cols + c];
                }
            }
        }
    }
    dst
}

#[cfg(test)]
mod tests {
    #[test]
    fn transpose_small() {
        let t = super::transpose(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3);
        assert_eq!(t, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }
}
