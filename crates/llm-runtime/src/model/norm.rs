//! RMSNorm, always computed in f32 whatever the model dtype (as both HF implementations do).

use std::sync::Arc;

use burn::tensor::{DType, FloatDType, Tensor, TensorData};

use super::host_ops;
use crate::device::{BackendKind, Dtype, RuntimeDevice};
use crate::weights::HostTensor;

#[derive(Debug, Clone)]
pub(crate) struct RmsNorm {
    /// Effective scale `[1, dim]` in f32: `w`, or `1 + w` where the plan says so (gemma3).
    scale: Tensor<2>,
    /// The same scale in host memory on the CPU backend, where f32 inputs are normalised in
    /// one pass ([`host_ops::rms_norm`]) instead of burn's six operations.
    host_scale: Option<Arc<[f32]>>,
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
        let host_scale = (device.kind() == BackendKind::Flex).then(|| Arc::from(&data[..]));
        let scale = Tensor::<2>::from_data(
            TensorData::new(data, [1, dim]),
            (device.device(), Dtype::F32.burn()),
        );
        Self {
            scale,
            host_scale,
            eps,
        }
    }

    /// Normalise the last dimension of `x: [n, dim]`; the result has `x`'s dtype.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let dtype = x.dtype();
        if let (Some(scale), DType::F32) = (&self.host_scale, dtype) {
            let dims = x.dims();
            let device = x.device();
            // A flex tensor is host memory: reading it cannot fail.
            let mut v = x
                .try_into_vec_as::<f32>()
                .expect("a CPU tensor reads back as f32");
            host_ops::rms_norm(&mut v, scale, self.eps as f32);
            return Tensor::<2>::from_data(TensorData::new(v, dims), &device);
        }
        let x = x.cast(FloatDType::F32);
        let ms = x.clone().square().mean_dim(1);
        let inv = ms.add_scalar(self.eps).sqrt().recip();
        (x * inv * self.scale.clone()).cast(dtype)
    }
}
