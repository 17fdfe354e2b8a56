//! Rotary position embedding in the rotate-half convention of HF checkpoints (dimension `i` is
//! paired with `i + d/2`), with per-row positions so padded rows start at 0.

use burn::tensor::{Tensor, TensorData};

use crate::device::{Dtype, RuntimeDevice};

/// cos/sin tables for one forward call, `[rows, 1, cols, head_dim]`.
#[derive(Debug, Clone)]
pub(crate) struct Rope {
    cos: Tensor<4>,
    sin: Tensor<4>,
}

impl Rope {
    /// `positions`: row-major `[rows, cols]`.
    pub fn new(
        theta: f64,
        head_dim: usize,
        positions: &[usize],
        rows: usize,
        cols: usize,
        device: &RuntimeDevice,
        dtype: Dtype,
    ) -> Self {
        let half = head_dim / 2;
        // Frequencies and angles in f32 as HF computes them (inv_freq and pos * inv_freq are f32
        // tensors there); only the final cos/sin are evaluated in f64 and rounded. One table row
        // per distinct position, then copied per token.
        let inv_freq: Vec<f32> = (0..half)
            .map(|i| 1.0f32 / (theta as f32).powf((2 * i) as f32 / head_dim as f32))
            .collect();
        let max_pos = positions.iter().copied().max().unwrap_or(0);
        let mut table_c = Vec::with_capacity((max_pos + 1) * half);
        let mut table_s = Vec::with_capacity((max_pos + 1) * half);
        for p in 0..=max_pos {
            for &f in &inv_freq {
                let angle = (p as f32 * f) as f64;
                table_c.push(angle.cos() as f32);
                table_s.push(angle.sin() as f32);
            }
        }
        let mut cos = Vec::with_capacity(positions.len() * head_dim);
        let mut sin = Vec::with_capacity(positions.len() * head_dim);
        for &p in positions {
            let (c, s) = (
                &table_c[p * half..(p + 1) * half],
                &table_s[p * half..(p + 1) * half],
            );
            cos.extend_from_slice(c);
            cos.extend_from_slice(c);
            sin.extend_from_slice(s);
            sin.extend_from_slice(s);
        }
        let opts = (device.device(), dtype.burn());
        Self {
            cos: Tensor::<4>::from_data(TensorData::new(cos, [rows, 1, cols, head_dim]), opts),
            sin: Tensor::<4>::from_data(TensorData::new(sin, [rows, 1, cols, head_dim]), opts),
        }
    }

    /// `x: [rows, heads, cols, head_dim]`.
    pub fn apply(&self, x: Tensor<4>) -> Tensor<4> {
        let d = x.dims()[3];
        let h = d / 2;
        let x1 = x.clone().narrow(3, 0, h);
        let x2 = x.clone().narrow(3, h, h);
        let rotated = Tensor::cat(vec![x2.neg(), x1], 3);
        x * self.cos.clone() + rotated * self.sin.clone()
    }
}
