//! A deliberately naive second implementation of the reference algorithm, written from
//! docs/METHOD.md §5 and hsic_reference_peer.py: explicit S x S Gram matrices, an explicit centring
//! matrix H, explicit matrix products and traces, in f64.

pub struct Naive {
    pub sigma: f64,
    /// `tr(K_i H L_j)`, `n1 x n2`.
    pub reference: Vec<Vec<f64>>,
    /// `tr(K_i H L_j H) / (S-1)^2`.
    pub standard: Vec<Vec<f64>>,
    /// `HSIC(K_i, L_j) / sqrt(HSIC(K_i, K_i) HSIC(L_j, L_j))`.
    pub cka: Vec<Vec<f64>>,
}

fn zscore(rows: &[Vec<f32>]) -> Vec<Vec<f64>> {
    rows.iter()
        .map(|r| {
            let s = r.len() as f64;
            let mean = r.iter().map(|&v| v as f64).sum::<f64>() / s;
            let std =
                (r.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / (s - 1.0)).sqrt();
            r.iter()
                .map(|&v| (v as f64 - mean) / (std + 1e-6))
                .collect()
        })
        .collect()
}

fn matmul(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut c = vec![vec![0.0; n]; n];
    for i in 0..n {
        for k in 0..n {
            for j in 0..n {
                c[i][j] += a[i][k] * b[k][j];
            }
        }
    }
    c
}

fn trace_of_product(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    let n = a.len();
    (0..n)
        .map(|i| (0..n).map(|k| a[i][k] * b[k][i]).sum::<f64>())
        .sum()
}

/// torch.median: the lower middle value.
pub fn lower_median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) / 2]
}

pub fn naive(x: &[Vec<f32>], y: &[Vec<f32>]) -> Naive {
    naive_sigma_from(x, y, false)
}

/// [`naive`] with σ from the rows of X alone when `overlap_only` (the size-fair rule).
pub fn naive_sigma_from(x: &[Vec<f32>], y: &[Vec<f32>], overlap_only: bool) -> Naive {
    let (zx, zy) = (zscore(x), zscore(y));
    let s = zx[0].len();
    let dist = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .map(|(p, q)| (p - q).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let mut all = Vec::new();
    let sides: Vec<&Vec<Vec<f64>>> = if overlap_only {
        vec![&zx]
    } else {
        vec![&zx, &zy]
    };
    for z in sides {
        for a in z.iter() {
            for b in z.iter() {
                all.push(dist(a, b));
            }
        }
    }
    let sigma = lower_median(all) + 1e-6;
    let gram = |r: &[f64]| -> Vec<Vec<f64>> {
        (0..s)
            .map(|a| {
                (0..s)
                    .map(|b| (-(r[a] - r[b]).powi(2) / (2.0 * sigma * sigma)).exp())
                    .collect()
            })
            .collect()
    };
    let h: Vec<Vec<f64>> = (0..s)
        .map(|a| {
            (0..s)
                .map(|b| if a == b { 1.0 } else { 0.0 } - 1.0 / s as f64)
                .collect()
        })
        .collect();
    let ks: Vec<_> = zx.iter().map(|r| gram(r)).collect();
    let ls: Vec<_> = zy.iter().map(|r| gram(r)).collect();
    let kh: Vec<_> = ks.iter().map(|k| matmul(k, &h)).collect();
    let lh: Vec<_> = ls.iter().map(|l| matmul(l, &h)).collect();
    let hsic = |ah: &Vec<Vec<f64>>, bh: &Vec<Vec<f64>>| {
        trace_of_product(ah, bh) / ((s - 1) as f64).powi(2)
    };
    let mut reference = vec![vec![0.0; zy.len()]; zx.len()];
    let mut standard = reference.clone();
    let mut cka = reference.clone();
    for i in 0..zx.len() {
        for j in 0..zy.len() {
            reference[i][j] = trace_of_product(&kh[i], &ls[j]);
            standard[i][j] = hsic(&kh[i], &lh[j]);
            let den = (hsic(&kh[i], &kh[i]) * hsic(&lh[j], &lh[j])).sqrt();
            cka[i][j] = if den > 1e-300 {
                standard[i][j] / den
            } else {
                0.0
            };
        }
    }
    Naive {
        sigma,
        reference,
        standard,
        cka,
    }
}

pub fn max_mean(m: &[Vec<f64>]) -> f64 {
    let rows = m
        .iter()
        .map(|r| r.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .sum::<f64>()
        / m.len() as f64;
    let cols = (0..m[0].len())
        .map(|j| m.iter().map(|r| r[j]).fold(f64::NEG_INFINITY, f64::max))
        .sum::<f64>()
        / m[0].len() as f64;
    0.5 * (rows + cols)
}
