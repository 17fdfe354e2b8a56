//! RMSNorm, always computed in f32 whatever the model dtype (as both HF implementations do).

use burn::tensor::{FloatDType, Tensor, TensorData};

use crate::device::{Dtype, RuntimeDevice};
use crate::weights::HostTensor;

#[derive(Debug, Clone)]
pub(crate) struct RmsNorm {
    /// Effective scale `[1, dim]` in f32: `w`, or `1 + w` where the plan says so (gemma3).
    scale: Tensor<2>,
    eps: f64,
}

impl RmsNorm {
    /// `offset_one`: the checkpoint stores `w` and the model multiplies by `1 + w` (gemma3).
    pub fn from_host(w: HostTensor, eps: f64, offset_one: bool, device: &RuntimeDevice) -> Self {
        let dim = w.data.len();
        let data: Vec<f32> = if offset_one {
            w.data.iter().map(|v| 1.0 + v).collect()
        } else {
            w.data
        };
        let scale = Tensor::<2>::from_data(
            TensorData::new(data, [1, dim]),
            (device.device(), Dtype::F32.burn()),
        );
        Self { scale, eps }
    }

    /// Normalise the last dimension of `x: [n, dim]`; the result has `x`'s dtype.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let dtype = x.dtype();
        let x = x.cast(FloatDType::F32);
        let ms = x.clone().square().mean_dim(1);
        let inv = ms.add_scalar(self.eps).sqrt().recip();
        (x * inv * self.scale.clone()).cast(dtype)
    }
}
