//! Order statistics with exactly specified semantics.

use crate::OverlapError;

/// The `q`-quantile of `values` with linear interpolation between order statistics, the
/// default method of `numpy.quantile` and `torch.quantile`:
///
/// with the values sorted ascending as `v[0..n]`, `h = (n - 1) * q`, `i = floor(h)`,
/// `g = h - i`, the result is `v[i] + g * (v[i+1] - v[i])` (computed as
/// `v[i+1] - (1 - g) * (v[i+1] - v[i])` when `g >= 0.5`, as both libraries do), and `v[n-1]`
/// when `h >= n - 1`.
///
/// Runs in linear time (selection, no full sort). Errors on an empty slice, a NaN value or
/// `q` outside `[0, 1]`.
pub fn quantile_linear(values: &[f64], q: f64) -> Result<f64, OverlapError> {
    if !(0.0..=1.0).contains(&q) {
        return Err(OverlapError::BadParameter {
            name: "quantile",
            value: q,
            expected: "a number in [0, 1]",
        });
    }
    check_values(values)?;
    let n = values.len();
    let h = (n - 1) as f64 * q;
    let mut buf = values.to_vec();
    if h >= (n - 1) as f64 {
        return Ok(buf.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    }
    let i = h.floor() as usize;
    let g = h - i as f64;
    let (_, &mut lo, rest) = buf.select_nth_unstable_by(i, f64::total_cmp);
    // rest is non-empty because i < n - 1; its minimum is the (i+1)-th order statistic.
    let hi = rest.iter().copied().fold(f64::INFINITY, f64::min);
    let d = hi - lo;
    Ok(if g >= 0.5 {
        hi - d * (1.0 - g)
    } else {
        lo + d * g
    })
}

/// The `k`-th smallest value (1-based), as `torch.kthvalue(values, k)`.
pub fn kth_smallest(values: &[f64], k: usize) -> Result<f64, OverlapError> {
    check_values(values)?;
    if k == 0 || k > values.len() {
        return Err(OverlapError::RankOutOfRange {
            what: "kth_smallest",
            k,
            n: values.len(),
            rate: f64::NAN,
        });
    }
    let mut buf = values.to_vec();
    let (_, &mut v, _) = buf.select_nth_unstable_by(k - 1, f64::total_cmp);
    Ok(v)
}

/// `round(n * rate)` with Python's `round` (ties to even), the rank the reference code passes
/// to `torch.kthvalue`; errors when it falls outside `1..=n`.
pub fn python_rank(what: &'static str, n: usize, rate: f64) -> Result<usize, OverlapError> {
    let k = (n as f64 * rate).round_ties_even();
    if !(k >= 1.0 && k <= n as f64) {
        return Err(OverlapError::RankOutOfRange {
            what,
            k: k.max(0.0) as usize,
            n,
            rate,
        });
    }
    Ok(k as usize)
}

fn check_values(values: &[f64]) -> Result<(), OverlapError> {
    if values.is_empty() {
        return Err(OverlapError::EmptyValues);
    }
    if let Some((i, &v)) = values.iter().enumerate().find(|(_, v)| v.is_nan()) {
        return Err(OverlapError::BadValue {
            what: "quantile input".into(),
            index: i,
            layer: 0,
            neuron: i,
            value: v,
            problem: "NaN",
        });
    }
    Ok(())
}
