//! Row standardisation, pairwise distances and the bandwidth σ.

use crate::HsicError;
use crate::linalg::{abt_f32_into, abt_f64_into};

/// `n` rows of `s` samples, row-major, f64.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rows {
    pub n: usize,
    pub s: usize,
    pub data: Vec<f64>,
}

impl Rows {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.s..(i + 1) * self.s]
    }
}

/// z-score each row over its samples into `out`: `(x - mean) / (std + 1e-6)` with the unbiased
/// standard deviation (divisor `s - 1`), as `torch.Tensor.std` by default. Computed in f64.
pub(crate) fn zscore_into<'a>(rows: impl Iterator<Item = &'a [f32]>, s: usize, out: &mut Rows) {
    out.s = s;
    out.n = 0;
    out.data.clear();
    for row in rows {
        let mean = row.iter().map(|&v| v as f64).sum::<f64>() / s as f64;
        let var = row.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / (s - 1) as f64;
        let scale = 1.0 / (var.sqrt() + 1e-6);
        out.data
            .extend(row.iter().map(|&v| (v as f64 - mean) * scale));
        out.n += 1;
    }
}

/// Pairwise Euclidean distances of one side's rows, `a < b`, upper triangle row by row, and a
/// bound on the absolute error of every entry (0 when computed in f64).
#[derive(Debug, Clone, Default)]
pub(crate) struct Distances {
    pub d: Vec<f64>,
    pub err: f64,
}

/// Exact (to f64 rounding) distance of two rows.
fn direct(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Distances through the Gram matrix, `d^2 = |a|^2 + |b|^2 - 2 a·b` (one GEMM instead of
/// `n^2 s / 2` subtractions).
///
/// `exact`: the Gram matrix in f64 (used once per layer for the shared X side). Otherwise in
/// f32 at twice the speed, with a rigorous error bound: for f32 inputs rounded from f64
/// (relative error `u = 2^-24` each) and any summation order, `|ĝ - a·b| <= C |a||b|` with
/// `C = γ_S (1 + 2u + u^2) + 2u + u^2`, `γ_S = S u / (1 - S u)` (Higham, Accuracy and Stability
/// of Numerical Algorithms, Thm 3.1 and §3.1), so `|D - d^2| <= δ = 2 C |a||b|` (plus 1e-12 of
/// the norms for the f64 combination). Entries with `D <= 100 δ` (nearly equal rows, where the
/// square root amplifies the error) are recomputed directly in f64; for the rest
/// `|sqrt(D) - d| <= δ / (sqrt(D - δ) + sqrt(D))`, and `err` is the largest such bound.
/// [`sigma`] then recomputes only the few entries that can still decide the median.
pub(crate) fn upper_distances_into(
    z: &Rows,
    exact: bool,
    scratch: &mut DistScratch,
    out: &mut Distances,
) -> Result<(), HsicError> {
    let (n, s) = (z.n, z.s);
    let u = f32::EPSILON as f64 / 2.0;
    let su = s as f64 * u;
    out.d.clear();
    out.err = 0.0;
    if exact || su >= 0.25 {
        abt_f64_into(&z.data, n, &z.data, n, s, &mut scratch.gram64)?;
        let g = &scratch.gram64;
        for a in 0..n {
            for b in a + 1..n {
                out.d.push(
                    (g[a * n + a] + g[b * n + b] - 2.0 * g[a * n + b])
                        .max(0.0)
                        .sqrt(),
                );
            }
        }
        return Ok(());
    }
    scratch.rows32.clear();
    scratch.rows32.extend(z.data.iter().map(|&v| v as f32));
    abt_f32_into(
        &scratch.rows32,
        n,
        &scratch.rows32,
        n,
        s,
        &mut scratch.gram32,
    )?;
    scratch.norms.clear();
    scratch
        .norms
        .extend((0..n).map(|a| z.row(a).iter().map(|v| v * v).sum::<f64>()));
    let gamma = su / (1.0 - su);
    let c = gamma * (1.0 + 2.0 * u + u * u) + 2.0 * u + u * u;
    let (g, na) = (&scratch.gram32, &scratch.norms);
    for a in 0..n {
        for b in a + 1..n {
            let big_d = na[a] + na[b] - 2.0 * g[a * n + b] as f64;
            let delta = 2.0 * c * (na[a] * na[b]).sqrt() + 1e-12 * (na[a] + na[b]);
            if big_d <= 100.0 * delta {
                out.d.push(direct(z.row(a), z.row(b)));
            } else {
                out.d.push(big_d.sqrt());
                out.err = out.err.max(delta / ((big_d - delta).sqrt() + big_d.sqrt()));
            }
        }
    }
    Ok(())
}

/// Scratch buffers of [`upper_distances_into`].
#[derive(Debug, Default)]
pub(crate) struct DistScratch {
    gram64: Vec<f64>,
    gram32: Vec<f32>,
    rows32: Vec<f32>,
    norms: Vec<f64>,
}

/// The reference bandwidth: `median(cat(cdist(X, X).flatten(), cdist(Y, Y).flatten())) + 1e-6`
/// with `torch.median` semantics (the lower of the two middle values for an even count).
///
/// The multiset holds `n1 + n2` zeros (self-distances) and every off-diagonal distance twice,
/// so the median is found by selection on the upper triangles alone. With approximate
/// distances (`err > 0`) the selected value `m̂` is within `E` (the largest error) of the exact
/// median, since an order statistic moves by at most the largest perturbation; entries below
/// `m̂ - 2E` are then certainly below the median, those above `m̂ + 2E` certainly above, and
/// the exact median is the matching order statistic of the few entries in between, recomputed
/// in f64.
pub(crate) fn sigma(sides: &[(&Rows, &Distances)], all: &mut Vec<f64>) -> f64 {
    sigma_median(sides, all) + SIGMA_FLOOR
}

/// The `+1e-6` of the reference bandwidth: σ equals it exactly when the median distance is 0.
pub(crate) const SIGMA_FLOOR: f64 = 1e-6;

/// The lower median of [`sigma`]'s multiset (every side's `n x n` distances, self-distances
/// included), without the floor.
fn sigma_median(sides: &[(&Rows, &Distances)], all: &mut Vec<f64>) -> f64 {
    let total: usize = sides.iter().map(|(r, _)| r.n * r.n).sum();
    let k = (total - 1) / 2; // 0-based rank of the lower median
    let zeros: usize = sides.iter().map(|(r, _)| r.n).sum();
    if k < zeros {
        return 0.0;
    }
    let t = (k - zeros) / 2;
    all.clear();
    for (_, d) in sides {
        all.extend_from_slice(&d.d);
    }
    let approx = *all.select_nth_unstable_by(t, f64::total_cmp).1;
    let e = sides.iter().map(|(_, d)| d.err).fold(0.0, f64::max);
    if e == 0.0 {
        return approx;
    }
    let (lo, hi) = (approx - 2.0 * e, approx + 2.0 * e);
    let mut below = 0;
    all.clear();
    for &(rows, dist) in sides {
        let mut idx = 0;
        for a in 0..rows.n {
            for b in a + 1..rows.n {
                let v = dist.d[idx];
                idx += 1;
                if v < lo {
                    below += 1;
                } else if v <= hi {
                    all.push(if dist.err == 0.0 {
                        v
                    } else {
                        direct(rows.row(a), rows.row(b))
                    });
                }
            }
        }
    }
    if t >= below && t - below < all.len() {
        return *all.select_nth_unstable_by(t - below, f64::total_cmp).1;
    }
    // Unreachable by the argument above; recompute every distance rather than trust it.
    all.clear();
    for (rows, _) in sides {
        for a in 0..rows.n {
            for b in a + 1..rows.n {
                all.push(direct(rows.row(a), rows.row(b)));
            }
        }
    }
    *all.select_nth_unstable_by(t, f64::total_cmp).1
}

/// `½ (mean_i max_j M_ij + mean_j max_i M_ij)` of a row-major `n1 x n2` matrix.
pub(crate) fn max_mean(m: &[f64], n1: usize, n2: usize) -> f64 {
    let mut col_max = vec![f64::NEG_INFINITY; n2];
    let mut row_sum = 0.0;
    for row in m.chunks_exact(n2) {
        let mut best = f64::NEG_INFINITY;
        for (c, &v) in col_max.iter_mut().zip(row) {
            best = best.max(v);
            *c = c.max(v);
        }
        row_sum += best;
    }
    0.5 * (row_sum / n1 as f64 + col_max.iter().sum::<f64>() / n2 as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize, s: usize, seed: u64) -> Rows {
        // A small LCG keeps this test free of dev-dependencies; z-scored like probe rows.
        let mut state = seed;
        let raw: Vec<f32> = (0..n * s)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64) as f32
            })
            .collect();
        let mut out = Rows::default();
        zscore_into(raw.chunks_exact(s), s, &mut out);
        out
    }

    #[test]
    fn f32_distances_are_within_their_bound_and_sigma_is_exact() {
        let (x, y) = (rows(30, 200, 1), rows(70, 200, 2));
        let mut scratch = DistScratch::default();
        let (mut dx, mut dy_exact, mut dy) = (
            Distances::default(),
            Distances::default(),
            Distances::default(),
        );
        upper_distances_into(&x, true, &mut scratch, &mut dx).unwrap();
        upper_distances_into(&y, true, &mut scratch, &mut dy_exact).unwrap();
        upper_distances_into(&y, false, &mut scratch, &mut dy).unwrap();
        assert!(dy.err > 0.0);
        let worst =
            dy.d.iter()
                .zip(&dy_exact.d)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
        assert!(
            worst > 0.0 && worst <= dy.err,
            "{worst} vs bound {}",
            dy.err
        );
        let mut all = Vec::new();
        let exact = sigma(&[(&x, &dx), (&y, &dy_exact)], &mut all);
        let refined = sigma(&[(&x, &dx), (&y, &dy)], &mut all);
        assert!(
            (exact - refined).abs() <= 1e-12 * exact,
            "{exact} vs {refined}"
        );
        // The median among Y's distances only (X a single row): 4900 + 1 entries.
        let x1 = rows(1, 200, 3);
        upper_distances_into(&x1, true, &mut scratch, &mut dx).unwrap();
        let exact = sigma(&[(&x1, &dx), (&y, &dy_exact)], &mut all);
        let refined = sigma(&[(&x1, &dx), (&y, &dy)], &mut all);
        assert!(
            (exact - refined).abs() <= 1e-12 * exact,
            "{exact} vs {refined}"
        );
    }

    #[test]
    fn max_mean_by_hand() {
        // rows max: 3, 5 -> mean 4; column max: 4, 5, 3 -> mean 4; score 4.
        let m = [1.0, 2.0, 3.0, 4.0, 5.0, 0.0];
        assert_eq!(max_mean(&m, 2, 3), 4.0);
    }
}
