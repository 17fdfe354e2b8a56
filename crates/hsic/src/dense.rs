//! The dense engine: every Gram entry evaluated, `M` as a product over the packed upper
//! triangles of the centred Gram matrices.
//!
//! `tr(K H L H) = <HKH, HLH> = Σ_a K̃_aa L̃_aa + 2 Σ_{a<b} K̃_ab L̃_ab`, so with
//! `A[i, (a,b)] = w_ab K̃_i,ab` (`w` = 1 on the diagonal, 2 above it) and `B[j, (a,b)] = L̃_j,ab`
//! over the `S(S+1)/2` pairs `a <= b`, `M_std = A Bᵀ` — half the work of the full `[n, S^2]`
//! product, and well conditioned, because both sides are centred before the product (the raw
//! `<K, L>` is about `S^2` while the centred value is ~1e-6 of that: forming it first and
//! subtracting the centring terms afterwards would lose it to f32 rounding). The reference score
//! adds `S r̃ᵀ s̃`, `r̃ = H K 1 / S` (see the series module). `A Bᵀ` runs in f32 over chunks of
//! pairs, each chunk's product added into an f64 accumulator.

use crate::HsicError;
use crate::ScoreKind;
use crate::linalg::{abt_f32_into, abt_f64_into};
use crate::prep::Rows;

/// Pairs per chunk: 300 neurons x 16384 pairs x 4 bytes = 20 MB per side.
const CHUNK: usize = 16384;

/// Per-neuron centring terms of one side.
struct Centring {
    /// Row means `K 1 / S`, `n x S`.
    row_mean: Vec<f64>,
    /// Grand mean `1ᵀ K 1 / S^2`.
    grand: Vec<f64>,
}

fn kernel(xa: f64, xb: f64, c: f64) -> f64 {
    let d = xa - xb;
    (-d * d * c).exp()
}

fn centring(z: &Rows, c: f64) -> Centring {
    let (n, s) = (z.n, z.s);
    let mut row_mean = vec![0f64; n * s];
    let mut grand = vec![0f64; n];
    for i in 0..n {
        let x = z.row(i);
        let r = &mut row_mean[i * s..(i + 1) * s];
        for a in 0..s {
            r[a] += 1.0; // K_aa
            for b in a + 1..s {
                let k = kernel(x[a], x[b], c);
                r[a] += k;
                r[b] += k;
            }
        }
        let total: f64 = r.iter().sum();
        grand[i] = total / (s * s) as f64;
        for v in r.iter_mut() {
            *v /= s as f64;
        }
    }
    Centring { row_mean, grand }
}

/// Fill `out` (`n x len`, row-major, `len` = the number of pairs) with weighted centred Gram
/// entries of the pairs `(a, b), a <= b` for `a` in `rows`; adds per-neuron sums of weighted
/// squares to `sq`.
fn fill_chunk(
    z: &Rows,
    cen: &Centring,
    c: f64,
    rows: std::ops::Range<usize>,
    weighted: bool,
    out: &mut [f32],
    sq: &mut [f64],
) {
    let s = z.s;
    let len = out.len() / z.n.max(1);
    for i in 0..z.n {
        let x = z.row(i);
        let rm = &cen.row_mean[i * s..(i + 1) * s];
        let g = cen.grand[i];
        let dst = &mut out[i * len..(i + 1) * len];
        let mut p = 0;
        for a in rows.clone() {
            for b in a..s {
                let k = if a == b { 1.0 } else { kernel(x[a], x[b], c) };
                let v = k - rm[a] - rm[b] + g;
                let w = if a == b { 1.0 } else { 2.0 };
                sq[i] += w * v * v;
                dst[p] = if weighted { (w * v) as f32 } else { v as f32 };
                p += 1;
            }
        }
    }
}

pub(crate) fn layer_matrix(
    zx: &Rows,
    zy: &Rows,
    sigma: f64,
    kind: ScoreKind,
) -> Result<Vec<f64>, HsicError> {
    let (n1, n2, s) = (zx.n, zy.n, zx.s);
    let c = 1.0 / (2.0 * sigma * sigma);
    let (cx, cy) = (centring(zx, c), centring(zy, c));
    let mut m = vec![0f64; n1 * n2];
    let (mut sqx, mut sqy) = (vec![0f64; n1], vec![0f64; n2]);
    let mut prod = Vec::new();
    let mut a0 = 0;
    while a0 < s {
        // Rows a0..a1 of the upper triangle, at most CHUNK pairs (at least one row).
        let mut a1 = a0;
        let mut len = 0;
        while a1 < s && (len == 0 || len + (s - a1) <= CHUNK) {
            len += s - a1;
            a1 += 1;
        }
        let mut bufx = vec![0f32; n1 * len];
        let mut bufy = vec![0f32; n2 * len];
        fill_chunk(zx, &cx, c, a0..a1, true, &mut bufx, &mut sqx);
        fill_chunk(zy, &cy, c, a0..a1, false, &mut bufy, &mut sqy);
        abt_f32_into(&bufx, n1, &bufy, n2, len, &mut prod)?;
        for (o, &v) in m.iter_mut().zip(&prod) {
            *o += v as f64;
        }
        a0 = a1;
    }
    match kind {
        ScoreKind::Reference => {
            // S r̃ᵀ s̃ with r̃ = row means minus the grand mean.
            let centre = |z: &Rows, cen: &Centring| {
                let mut v = cen.row_mean.clone();
                for i in 0..z.n {
                    for x in &mut v[i * s..(i + 1) * s] {
                        *x -= cen.grand[i];
                    }
                }
                v
            };
            let mut extra = Vec::new();
            abt_f64_into(&centre(zx, &cx), n1, &centre(zy, &cy), n2, s, &mut extra)?;
            for (o, &v) in m.iter_mut().zip(&extra) {
                *o += s as f64 * v;
            }
        }
        ScoreKind::Standard => {
            let scale = 1.0 / ((s - 1) as f64).powi(2);
            m.iter_mut().for_each(|v| *v *= scale);
        }
        ScoreKind::Cka => {
            for i in 0..n1 {
                for j in 0..n2 {
                    let den = (sqx[i] * sqy[j]).sqrt();
                    let v = &mut m[i * n2 + j];
                    *v = if den > 0.0 { *v / den } else { 0.0 };
                }
            }
        }
    }
    Ok(m)
}
