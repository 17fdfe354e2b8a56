//! Small dense linear algebra: `A Bᵀ` products through matrixmultiply, dot products, and a
//! Jacobi eigensolver for the tiny symmetric matrices of the series engine.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

use crate::HsicError;

fn view<'a, T>(
    what: &'static str,
    data: &'a [T],
    rows: usize,
    cols: usize,
) -> Result<ArrayView2<'a, T>, HsicError> {
    ArrayView2::from_shape((rows, cols), data).map_err(|e| HsicError::Internal {
        what,
        detail: e.to_string(),
    })
}

/// `out = A Bᵀ` for row-major `A` (`n1 x k`) and `B` (`n2 x k`), f32; `out` is resized to
/// `n1 x n2` (its allocation is reused). matrixmultiply packs panels and runs a
/// register-blocked FMA kernel chosen at run time: 85-90 GFLOP/s on one core of this machine at
/// 300 x 500 x 300, against a few GFLOP/s for a naive triple loop.
pub(crate) fn abt_f32_into(
    a: &[f32],
    n1: usize,
    b: &[f32],
    n2: usize,
    k: usize,
    out: &mut Vec<f32>,
) -> Result<(), HsicError> {
    out.resize(n1 * n2, 0.0);
    let mut c =
        ArrayViewMut2::from_shape((n1, n2), &mut out[..]).map_err(|e| HsicError::Internal {
            what: "abt_f32 out",
            detail: e.to_string(),
        })?;
    general_mat_mul(
        1.0,
        &view("abt_f32 lhs", a, n1, k)?,
        &view("abt_f32 rhs", b, n2, k)?.t(),
        0.0,
        &mut c,
    );
    Ok(())
}

/// `out = A Bᵀ` in f64 (about half the f32 rate), for the dominant products where f32
/// rounding would show in the score.
pub(crate) fn abt_f64_into(
    a: &[f64],
    n1: usize,
    b: &[f64],
    n2: usize,
    k: usize,
    out: &mut Vec<f64>,
) -> Result<(), HsicError> {
    out.resize(n1 * n2, 0.0);
    let mut c =
        ArrayViewMut2::from_shape((n1, n2), &mut out[..]).map_err(|e| HsicError::Internal {
            what: "abt_f64 out",
            detail: e.to_string(),
        })?;
    general_mat_mul(
        1.0,
        &view("abt_f64 lhs", a, n1, k)?,
        &view("abt_f64 rhs", b, n2, k)?.t(),
        0.0,
        &mut c,
    );
    Ok(())
}

/// Dot product with eight independent accumulators, so the compiler can vectorise it (a single
/// running sum is a serial dependency chain it may not reorder).
#[inline(always)]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s = ra.iter().zip(rb).map(|(x, y)| x * y).sum::<f64>();
    for v in acc {
        s += v;
    }
    s
}

/// Sum with eight independent accumulators (vectorisable, see [`dot`]).
#[inline(always)]
pub(crate) fn sum(a: &[f64]) -> f64 {
    let mut acc = [0f64; 8];
    let chunks = a.chunks_exact(8);
    let mut s = chunks.remainder().iter().sum::<f64>();
    for x in chunks {
        for k in 0..8 {
            acc[k] += x[k];
        }
    }
    for v in acc {
        s += v;
    }
    s
}

/// Eigen-decomposition of a symmetric `f x f` matrix (row-major) by cyclic Jacobi rotations.
/// Returns the eigenvalues in descending order and the eigenvectors as the columns of a
/// row-major `f x f` matrix (`v[m * f + r]` is component `m` of eigenvector `r`). The
/// eigenvector matrix is orthogonal to rounding, whatever the conditioning, which is what the
/// series engine relies on.
pub(crate) fn sym_eigen(mut a: Vec<f64>, f: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0f64; f * f];
    for i in 0..f {
        v[i * f + i] = 1.0;
    }
    let total: f64 = a.iter().map(|x| x * x).sum();
    for _sweep in 0..64 {
        let mut off = 0.0;
        for p in 0..f {
            for q in p + 1..f {
                off += a[p * f + q] * a[p * f + q];
            }
        }
        if off <= total * 1e-34 || off == 0.0 {
            break;
        }
        for p in 0..f {
            for q in p + 1..f {
                let apq = a[p * f + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * f + q] - a[p * f + p]) / (2.0 * apq);
                let t = if theta >= 0.0 { 1.0 } else { -1.0 }
                    / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..f {
                    let (akp, akq) = (a[k * f + p], a[k * f + q]);
                    a[k * f + p] = c * akp - s * akq;
                    a[k * f + q] = s * akp + c * akq;
                }
                for k in 0..f {
                    let (apk, aqk) = (a[p * f + k], a[q * f + k]);
                    a[p * f + k] = c * apk - s * aqk;
                    a[q * f + k] = s * apk + c * aqk;
                }
                for k in 0..f {
                    let (vkp, vkq) = (v[k * f + p], v[k * f + q]);
                    v[k * f + p] = c * vkp - s * vkq;
                    v[k * f + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..f).collect();
    order.sort_by(|&i, &j| a[j * f + j].total_cmp(&a[i * f + i]));
    let values = order.iter().map(|&i| a[i * f + i]).collect();
    let mut vectors = vec![0f64; f * f];
    for (r, &i) in order.iter().enumerate() {
        for m in 0..f {
            vectors[m * f + r] = v[m * f + i];
        }
    }
    (values, vectors)
}

/// Run `f` on every item with up to `threads` scoped worker threads, results in item order.
/// Each worker owns one `W` made by `init` (reusable buffers), passed to every call it runs.
pub(crate) fn parallel_map<T: Sync, R: Send, W>(
    items: &[T],
    threads: usize,
    init: impl Fn() -> W + Sync,
    f: impl Fn(&mut W, &T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        let mut w = init();
        return items.iter().map(|item| f(&mut w, item)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut w = init();
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= items.len() {
                            break mine;
                        }
                        mine.push((i, f(&mut w, &items[i])));
                    }
                })
            })
            .collect();
        // A worker can only die by panicking inside `f`; re-raise that panic here unchanged.
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    results.sort_by_key(|r| r.0);
    results.into_iter().map(|r| r.1).collect()
}
