//! Element-wise steps of the decoder computed in one pass over host memory, for the CPU backend
//! in f32: burn-flex evaluates an expression one operation at a time, each allocating and
//! writing a whole tensor, and its `exp` calls libm's scalar `expf` per element. The gated
//! activation `act(gate) * up` of a Gemma-3-270M MLP over a 2048-token window took 29 ms that
//! way (seven tensors of 16 MB; `model_ops` bench, "gelu_tanh via sigmoid"), 18 times a window.
//!
//! Written here rather than taken from a crate: no maintained crate offers a vectorisable
//! `f32` exp that `pulp`'s dispatch can inline (the `libm` crate is scalar, `sleef` bindings
//! need a C library). The exp below is Cephes' `expf` (range reduction by `ln 2`, degree-6
//! polynomial, about 1 ulp) written as plain branch-free arithmetic the compiler vectorises.
//! The GPU backends keep burn's operations, which their fusion already merges.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use crate::family::Activation;

/// Elements per parallel task (64 KB of f32 per operand: a task stays in L2).
const CHUNK: usize = 16 * 1024;

/// `act(gate) * up`, and `act(gate)` itself when `keep_act` (a capture wants it), in place in
/// the two buffers: `gate` becomes `act(gate)` when kept, `up` becomes the product.
pub fn gated_activation(activation: Activation, gate: &mut [f32], up: &mut [f32], keep_act: bool) {
    assert_eq!(gate.len(), up.len(), "gate and up must have the same shape");
    gate.par_chunks_mut(CHUNK)
        .zip(up.par_chunks_mut(CHUNK))
        .for_each(|(gate, up)| {
            Arch::new().dispatch(Gated {
                activation,
                gate,
                up,
                keep_act,
            })
        });
}

struct Gated<'a> {
    activation: Activation,
    gate: &'a mut [f32],
    up: &'a mut [f32],
    keep_act: bool,
}

impl WithSimd for Gated<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        match self.activation {
            Activation::GeluTanh => gate(gelu_tanh, self.gate, self.up, self.keep_act),
            Activation::Silu => gate(silu, self.gate, self.up, self.keep_act),
        }
    }
}

/// `up *= act(gate)` element-wise, `gate = act(gate)` too when `keep_act`: plain loops the
/// compiler vectorises (`act` is inlined, one copy per activation).
#[inline(always)]
fn gate(act: impl Fn(f32) -> f32, gate: &mut [f32], up: &mut [f32], keep_act: bool) {
    if keep_act {
        for (g, u) in gate.iter_mut().zip(up.iter_mut()) {
            *g = act(*g);
            *u *= *g;
        }
    } else {
        for (g, u) in gate.iter().zip(up.iter_mut()) {
            *u *= act(*g);
        }
    }
}

/// RMSNorm of each row of `x` (rows of `scale.len()` elements) in place:
/// `x · (1 / sqrt(mean(x²) + eps)) · scale`, the burn path's order of operations.
pub fn rms_norm(x: &mut [f32], scale: &[f32], eps: f32) {
    let dim = scale.len();
    assert!(
        dim > 0 && x.len().is_multiple_of(dim),
        "x must be whole rows of scale's length"
    );
    let rows_per_task = (CHUNK / dim).max(1);
    x.par_chunks_mut(rows_per_task * dim)
        .for_each(|rows| Arch::new().dispatch(Norm { rows, scale, eps }));
}

struct Norm<'a> {
    rows: &'a mut [f32],
    scale: &'a [f32],
    eps: f32,
}

impl WithSimd for Norm<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        let dim = self.scale.len();
        for row in self.rows.chunks_exact_mut(dim) {
            // Independent lanes, so the compiler may vectorise the sum of squares.
            let mut acc = [0f32; 16];
            let (chunks, rest) = row.as_chunks::<16>();
            for c in chunks {
                for j in 0..16 {
                    acc[j] += c[j] * c[j];
                }
            }
            let sum: f32 = acc.iter().sum::<f32>() + rest.iter().map(|v| v * v).sum::<f32>();
            let inv = 1.0 / (sum / dim as f32 + self.eps).sqrt();
            for (v, s) in row.iter_mut().zip(self.scale) {
                *v = *v * inv * s;
            }
        }
    }
}

/// PyTorch's `gelu(approximate="tanh")` as `x * sigmoid(2z)`, `z = sqrt(2/pi)(x + 0.044715x³)`
/// (the same form as the burn path in `mlp.rs`).
#[inline(always)]
pub fn gelu_tanh(x: f32) -> f32 {
    const TWO_SQRT_2_OVER_PI: f32 = 1.595_769_2;
    const CUBIC: f32 = 0.044715 * TWO_SQRT_2_OVER_PI;
    let u = (x * x * CUBIC + TWO_SQRT_2_OVER_PI) * x;
    x / (1.0 + exp(-u))
}

/// `x * sigmoid(x)`.
#[inline(always)]
pub fn silu(x: f32) -> f32 {
    x / (1.0 + exp(-x))
}

/// `e^x` in f32, about 1 ulp (Cephes `expf`); saturates to `e^88.3` above and `e^-87.3`
/// (a normal number) below, which the callers' `1 + e^x` makes immaterial.
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 in two parts, so that `n * LN2_HI` is exact for |n| < 2^9.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.3, 88.3);
    let t = x * LOG2E + ROUND;
    let n = t - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.987_569_1e-4;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    // 2^n from n's bits in `t` (n in [-126, 127] after the clamp).
    let n_bits = (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32);
    e * f32::from_bits(((n_bits + 127) as u32) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every 97th f32 bit pattern in [-87.3, 88.3] against f64's exp (an independent
    /// implementation): within 2 ulp.
    #[test]
    fn exp_is_within_two_ulp_of_f64() {
        let mut worst = 0f64;
        let mut bits = 0u32;
        while bits < u32::MAX - 97 {
            let x = f32::from_bits(bits);
            bits += 97;
            if !x.is_finite() || !(-87.3..=88.3).contains(&x) {
                continue;
            }
            let want = (x as f64).exp();
            let ulp = (want as f32).next_up() as f64 - want as f32 as f64;
            let err = ((exp(x) as f64 - want) / ulp).abs();
            worst = worst.max(err);
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
    }

    /// RMSNorm against f64 on rows of several lengths (16-lane chunks and a remainder).
    #[test]
    fn rms_norm_matches_f64() {
        for dim in [5, 64, 640, 1000] {
            let rows = 7;
            let x: Vec<f32> = (0..rows * dim)
                .map(|i| ((i * 7919) % 2003) as f32 / 100.0 - 10.0)
                .collect();
            let scale: Vec<f32> = (0..dim).map(|i| 1.0 + (i % 13) as f32 / 10.0).collect();
            let mut got = x.clone();
            rms_norm(&mut got, &scale, 1e-6);
            for (r, row) in x.chunks(dim).enumerate() {
                let ms = row.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / dim as f64;
                let inv = 1.0 / (ms + 1e-6).sqrt();
                for j in 0..dim {
                    let want = row[j] as f64 * inv * scale[j] as f64;
                    let g = got[r * dim + j] as f64;
                    assert!(
                        (g - want).abs() <= 1e-5 * want.abs() + 1e-6,
                        "dim {dim} row {r} col {j}: {g} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn exp_saturates_instead_of_overflowing() {
        assert!(exp(1000.0).is_finite() && exp(1000.0) > 1e38);
        assert!(exp(-1000.0) > 0.0 && exp(-1000.0) < 1e-37);
        assert_eq!(exp(0.0), 1.0);
    }

    /// The fused step against the formulas in f64, on values spanning the activation's range.
    #[test]
    fn gated_activation_matches_f64_formulas() {
        let n = 40_000;
        let xs: Vec<f32> = (0..n).map(|i| (i as f32 / n as f32 - 0.5) * 40.0).collect();
        let ups: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f32 / 250.0 - 2.0)
            .collect();
        let gelu64 = |x: f64| {
            let z = (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x);
            0.5 * x * (1.0 + z.tanh())
        };
        let silu64 = |x: f64| x / (1.0 + (-x).exp());
        for (activation, f) in [
            (Activation::GeluTanh, &gelu64 as &dyn Fn(f64) -> f64),
            (Activation::Silu, &silu64),
        ] {
            for keep in [true, false] {
                let (mut g, mut u) = (xs.clone(), ups.clone());
                gated_activation(activation, &mut g, &mut u, keep);
                for i in 0..n {
                    let act = f(xs[i] as f64);
                    let prod = act * ups[i] as f64;
                    // 8 ulp relative, plus an absolute floor for the tails, where a few ulp
                    // of error in the exponent's argument grow the relative error of e^-u.
                    let tol = |v: f64| 8.0 * f32::EPSILON as f64 * v.abs() + 1e-9;
                    assert!(
                        (u[i] as f64 - prod).abs() <= tol(prod) * (1.0 + ups[i].abs() as f64),
                        "{activation:?} product at x = {}: {} vs {prod}",
                        xs[i],
                        u[i]
                    );
                    if keep {
                        assert!(
                            (g[i] as f64 - act).abs() <= tol(act),
                            "{activation:?} at x = {}: {} vs {act}",
                            xs[i],
                            g[i]
                        );
                    } else {
                        assert_eq!(g[i], xs[i], "gate left as it was");
                    }
                }
            }
        }
    }
}
