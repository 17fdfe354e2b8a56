//! Rotary position embedding in the rotate-half convention of HF checkpoints (dimension `i` is
//! paired with `i + d/2`), with per-row positions so padded rows start at 0.

use burn::tensor::{Tensor, TensorData};

use crate::device::{Dtype, RuntimeDevice};
use crate::family::RopeScaling;

/// Inverse frequencies of the `head_dim / 2` rotary pairs for base `theta`, rescaled by
/// `scaling` (see [`RopeScaling`]). In f32 as HF computes them (`inv_freq` is an f32 tensor there,
/// and so are the scaling steps); unscaled, `theta^(-2i / head_dim)` exactly as before scaling
/// existed. `scaling` is assumed checked ([`RopeScaling::check`]): a `Frequencies` list shorter
/// than `head_dim / 2` leaves the remaining pairs unscaled.
pub(crate) fn inverse_frequencies(
    theta: f64,
    head_dim: usize,
    scaling: Option<&RopeScaling>,
) -> Vec<f32> {
    let half = head_dim / 2;
    let mut inv_freq: Vec<f32> = (0..half)
        .map(|i| 1.0f32 / (theta as f32).powf((2 * i) as f32 / head_dim as f32))
        .collect();
    match scaling {
        None => {}
        Some(RopeScaling::Linear { factor }) => {
            let factor = *factor as f32;
            inv_freq.iter_mut().for_each(|f| *f /= factor);
        }
        Some(RopeScaling::Llama3 {
            factor,
            low_freq_factor,
            high_freq_factor,
            original_max_position_embeddings,
        }) => {
            let (factor, low, high) = (
                *factor as f32,
                *low_freq_factor as f32,
                *high_freq_factor as f32,
            );
            let orig = *original_max_position_embeddings as f32;
            // Long wavelengths (low frequencies) are interpolated, short ones kept.
            let (low_freq_wavelen, high_freq_wavelen) = (orig / low, orig / high);
            for f in &mut inv_freq {
                let wavelen = 2.0 * std::f32::consts::PI / *f;
                if wavelen < high_freq_wavelen {
                    // kept
                } else if wavelen > low_freq_wavelen {
                    *f /= factor;
                } else {
                    let smooth = (orig / wavelen - low) / (high - low);
                    *f = (1.0 - smooth) * *f / factor + smooth * *f;
                }
            }
        }
        Some(RopeScaling::Frequencies { factors }) => {
            inv_freq
                .iter_mut()
                .zip(factors)
                .for_each(|(f, divisor)| *f /= divisor);
        }
    }
    inv_freq
}

/// cos/sin tables for one forward call, `[rows, 1, cols, head_dim]`.
#[derive(Debug, Clone)]
pub(crate) struct Rope {
    cos: Tensor<4>,
    sin: Tensor<4>,
}

impl Rope {
    /// `inv_freq`: the `head_dim / 2` pair frequencies ([`inverse_frequencies`]); `positions`:
    /// row-major `[rows, cols]`.
    pub fn new(
        inv_freq: &[f32],
        positions: &[usize],
        rows: usize,
        cols: usize,
        device: &RuntimeDevice,
        dtype: Dtype,
    ) -> Self {
        let half = inv_freq.len();
        let head_dim = 2 * half;
        // Angles in f32 as HF computes them (pos * inv_freq is an f32 tensor there); only the
        // final cos/sin are evaluated in f64 and rounded. One table row per distinct position,
        // then copied per token.
        let max_pos = positions.iter().copied().max().unwrap_or(0);
        let mut table_c = Vec::with_capacity((max_pos + 1) * half);
        let mut table_s = Vec::with_capacity((max_pos + 1) * half);
        for p in 0..=max_pos {
            for &f in inv_freq {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Unscaled inverse frequency of pair `i`, in f64.
    fn base(theta: f64, head_dim: usize, i: usize) -> f64 {
        1.0 / theta.powf((2 * i) as f64 / head_dim as f64)
    }

    fn assert_rel(got: f32, want: f64, what: &str) {
        let rel = (got as f64 - want).abs() / want.abs();
        assert!(rel <= 2e-6, "{what}: {got} vs {want} (relative {rel:e})");
    }

    /// Llama-3.1-8B: head_dim 128, theta 500000, rope_scaling factor 8, low 1, high 4, orig 8192.
    #[test]
    fn llama3_scaling_follows_the_formula_in_all_three_regimes() {
        let (theta, d) = (500_000.0, 128);
        let (factor, low, high, orig) = (8.0f64, 1.0f64, 4.0f64, 8192.0f64);
        let scaling = RopeScaling::Llama3 {
            factor,
            low_freq_factor: low,
            high_freq_factor: high,
            original_max_position_embeddings: 8192,
        };
        let got = inverse_frequencies(theta, d, Some(&scaling));
        assert_eq!(got.len(), 64);
        let (high_wavelen, low_wavelen) = (orig / high, orig / low); // 2048, 8192
        let mut regimes = [0usize; 3];
        for (i, &g) in got.iter().enumerate() {
            let f = base(theta, d, i);
            let wavelen = 2.0 * std::f64::consts::PI / f;
            let want = if wavelen < high_wavelen {
                regimes[0] += 1;
                f
            } else if wavelen > low_wavelen {
                regimes[1] += 1;
                f / factor
            } else {
                regimes[2] += 1;
                let smooth = (orig / wavelen - low) / (high - low);
                (1.0 - smooth) * f / factor + smooth * f
            };
            assert_rel(g, want, &format!("pair {i}"));
        }
        // Pairs 0..=28 keep their frequency, 29..=34 are blended, 35..=63 are divided by 8.
        assert_eq!(regimes, [29, 29, 6]);

        // One pair of each regime by hand.
        // Pair 0: wavelen 2 pi < 2048, kept: 500000^0 = 1.
        assert_eq!(got[0], 1.0);
        // Pair 63: 500000^(-126/128) = 2.455140791e-6, wavelen 2.56e6 > 8192: divided by 8.
        assert_rel(got[63], 2.455140791131609e-6 / 8.0, "pair 63");
        // Pair 32: 500000^(-1/2) = 1/sqrt(500000), wavelen 2 pi sqrt(500000) = 4442.88 in
        // [2048, 8192]: smooth = (8192 / 4442.88 - 1) / 3 = 0.281283.
        let f_mid = 1.0 / 500_000f64.sqrt();
        let smooth = (8192.0 / (2.0 * std::f64::consts::PI / f_mid) - 1.0) / 3.0;
        assert!((smooth - 0.281283).abs() < 1e-6, "{smooth}");
        assert_rel(
            got[32],
            (1.0 - smooth) * f_mid / 8.0 + smooth * f_mid,
            "pair 32",
        );
        assert_rel(got[32], 5.248461609929547e-4, "pair 32 (value)");
    }

    /// Gemma 3 4B's global layers: head_dim 256, theta 1e6, linear factor 8.
    #[test]
    fn linear_scaling_divides_every_frequency_by_the_factor() {
        let (theta, d) = (1_000_000.0, 256);
        let got = inverse_frequencies(theta, d, Some(&RopeScaling::Linear { factor: 8.0 }));
        assert_eq!(got.len(), 128);
        for (i, &g) in got.iter().enumerate() {
            assert_rel(g, base(theta, d, i) / 8.0, &format!("pair {i}"));
        }
        assert_eq!(got[0], 0.125);
    }

    #[test]
    fn frequency_factors_divide_each_pair() {
        let (theta, d) = (10_000.0, 8);
        let factors = vec![1.0, 2.0, 5.0, 40.0];
        let got = inverse_frequencies(
            theta,
            d,
            Some(&RopeScaling::Frequencies {
                factors: factors.clone(),
            }),
        );
        // 10000^(-2i/8) = 1, 0.1, 0.01, 0.001.
        let want = [1.0, 0.1 / 2.0, 0.01 / 5.0, 0.001 / 40.0];
        for i in 0..4 {
            assert_rel(got[i], want[i], &format!("pair {i}"));
        }
    }

    #[test]
    fn unscaled_frequencies_are_theta_powers() {
        let (theta, d) = (10_000.0, 8);
        let got = inverse_frequencies(theta, d, None);
        let want = [1.0, 0.1, 0.01, 0.001];
        for i in 0..4 {
            assert_rel(got[i], want[i], &format!("pair {i}"));
        }
        // A factor of 1 changes nothing, to the bit.
        assert_eq!(
            inverse_frequencies(theta, d, Some(&RopeScaling::Linear { factor: 1.0 })),
            got
        );
    }
}
