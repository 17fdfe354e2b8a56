//! The series engine: the exact per-neuron Gaussian kernels expanded in a certified,
//! rapidly converging series, so that `M` needs a handful of `n1 x S x n2` products instead
//! of one `n1 x S^2 x n2` product.
//!
//! # Derivation
//!
//! With `t_a = x_a / σ` and `u_a = exp(-t_a^2 / 2)`,
//! `K_ab = exp(-(t_a - t_b)^2 / 2) = u_a u_b exp(t_a t_b) = Σ_m φ_m(a) φ_m(b)`,
//! `φ_m(a) = u_a t_a^m / sqrt(m!)`. Truncating at degree `D` leaves `E = K - K_D` with
//! `|E_ab| <= |t_a t_b|^(D+1) / (D+1)!` (Lagrange remainder; `u_a u_b e^|t_a t_b| <= 1`), so
//! `‖E‖_F <= ε = Σ_a t_a^(2(D+1)) / (D+1)!`.
//!
//! Centring: `H K H = Φ̃ Φ̃ᵀ + H E H` with `Φ̃` the column-centred features. With
//! `G = Φ̃ᵀ Φ̃ = V Λ Vᵀ` (tiny, `f = D+1`), `w_r = Φ̃ v_r` gives `H K_D H = Σ_r w_r w_rᵀ`,
//! `|w_r|^2 = λ_r`, `‖H K_D H‖_F = ‖G‖_F`. Then
//!
//! * standard: `tr(K H L H) = <HKH, HLH> = Σ_{r,r'} (w_rᵀ z_r')^2`,
//! * reference: `tr(K H L) = <HK, HL> = <HKH, HLH> + S r̃ᵀ s̃` where `r̃ = H K 1 / S`
//!   (because `HK = HKH + r̃ 1ᵀ` and `HKH 1 = 0`), and `r̃_D = H K_D 1 / S = Φ̃ c` with
//!   `c = Φᵀ1 / S`: one more `n1 x S x n2` product.
//!
//! Every block `C_rr' = W_r Z_r'ᵀ` (all neurons at once) is one GEMM. Blocks are kept in
//! decreasing order of a rigorous bound on what they can contribute (`|C_rr'| <= |w_r||z_r'|`)
//! until what is left is below the tolerance; the eigenvalues decay like `(x^2/σ^2)^r / r!`,
//! which for z-scored rows (`σ ≈ sqrt(2S)`) means 4 to 8 blocks. Every `M_ij` is certified to
//! within `tol * κ_i κ_j`, `κ_i = ‖HK_iH‖_F (+ sqrt(S) |r̃_i|)`, its Cauchy–Schwarz scale.
//!
//! The engine declines (the caller falls back to the dense engine) when some `t_a^2` exceeds
//! [`T2_MAX`] (a bandwidth tiny against the data, where the series would need many terms and
//! lose digits to cancellation) or when the degree needed exceeds [`D_MAX`].

use crate::ScoreKind;
use crate::linalg::{abt_f32_into, dot, sum, sym_eigen};
use crate::prep::Rows;

/// Largest `(x_a / σ)^2` the series accepts.
pub(crate) const T2_MAX: f64 = 2.0;
/// Largest truncation degree.
pub(crate) const D_MAX: usize = 30;

/// The expansion of every neuron of one side, in flat buffers reused from layer to layer.
#[derive(Default)]
struct Side {
    s: usize,
    /// Features (= eigenpairs) of neuron i: `f[i]`; its data start at `off[i] * s` in `phi`,
    /// at `off[i]` in `lam` and `mean`, at `off2[i]` in `vecs`.
    f: Vec<usize>,
    off: Vec<usize>,
    off2: Vec<usize>,
    /// Centred features, `f_i x S` row-major per neuron.
    phi: Vec<f64>,
    /// Eigenvalues of `G` (descending, clamped at 0, plus a rounding margin): bounds on `|w_r|^2`.
    lam: Vec<f64>,
    /// Eigenvectors, `f_i x f_i` row-major per neuron, column r.
    vecs: Vec<f64>,
    /// Feature column means `c = Φᵀ1 / S`, so that `r̃_D = Φ̃ c`.
    mean: Vec<f64>,
    /// `‖G‖_F = ‖H K_D H‖_F`.
    frob: Vec<f64>,
    /// `|r̃_D| = sqrt(cᵀ G c)`.
    rt: Vec<f64>,
    /// Truncation bound `ε` on `‖K - K_D‖_F`.
    eps: Vec<f64>,
    max_degree: usize,
    /// Rank matrices `W_r` (row i = `w_r^i`, zero past the neuron's rank) by rank, in f32 for
    /// the products; `valid` says which are built for the current layer.
    w: Vec<Vec<f32>>,
    valid: Vec<bool>,
    /// Scratch of one neuron.
    t: Vec<f64>,
    t2: Vec<f64>,
    z: Vec<f64>,
    pw: Vec<f64>,
}

impl Side {
    fn n(&self) -> usize {
        self.f.len()
    }

    fn ranks(&self) -> usize {
        self.f.iter().copied().max().unwrap_or(0)
    }

    /// `κ_i`: the scale the tolerance is relative to.
    fn kappa(&self, i: usize, reference: bool) -> f64 {
        self.frob[i]
            + if reference {
                (self.s as f64).sqrt() * self.rt[i]
            } else {
                0.0
            }
    }

    /// Bound on `|w_r^i|^2` (0 beyond the neuron's rank).
    fn lam_at(&self, i: usize, r: usize) -> f64 {
        if r < self.f[i] {
            self.lam[self.off[i] + r]
        } else {
            0.0
        }
    }

    fn phi_row(&self, i: usize, m: usize) -> &[f64] {
        let start = (self.off[i] + m) * self.s;
        &self.phi[start..start + self.s]
    }

    /// `out` (`n x S`) = the rows `Σ_m coef(i, m) φ̃_m^i`, summed in f64, stored in f32.
    fn combine(&self, out: &mut Vec<f32>, row: &mut Vec<f64>, coef: impl Fn(usize, usize) -> f64) {
        out.resize(self.n() * self.s, 0.0);
        row.resize(self.s, 0.0);
        pulp::Arch::new().dispatch(Combine {
            side: self,
            out,
            row,
            coef,
        })
    }

    #[inline(always)]
    fn combine_inline(&self, out: &mut [f32], row: &mut [f64], coef: impl Fn(usize, usize) -> f64) {
        let s = self.s;
        for (i, dst) in out.chunks_exact_mut(s).enumerate() {
            row.iter_mut().for_each(|v| *v = 0.0);
            for m in 0..self.f[i] {
                let c = coef(i, m);
                for (o, &p) in row.iter_mut().zip(self.phi_row(i, m)) {
                    *o += c * p;
                }
            }
            for (d, &v) in dst.iter_mut().zip(row.iter()) {
                *d = v as f32;
            }
        }
    }

    /// Make `W_r` available.
    fn build_rank(&mut self, r: usize, row: &mut Vec<f64>) {
        if self.w.len() <= r {
            self.w.resize_with(r + 1, Vec::new);
            self.valid.resize(r + 1, false);
        }
        if !self.valid[r] {
            let mut w = std::mem::take(&mut self.w[r]);
            self.combine(&mut w, row, |i, m| {
                if r < self.f[i] {
                    self.vecs[self.off2[i] + m * self.f[i] + r]
                } else {
                    0.0
                }
            });
            self.w[r] = w;
            self.valid[r] = true;
        }
    }

    fn clear(&mut self, s: usize) {
        self.s = s;
        for v in [&mut self.f, &mut self.off, &mut self.off2] {
            v.clear();
        }
        for v in [
            &mut self.phi,
            &mut self.lam,
            &mut self.vecs,
            &mut self.mean,
            &mut self.frob,
            &mut self.rt,
            &mut self.eps,
        ] {
            v.clear();
        }
        self.max_degree = 0;
        self.valid.iter_mut().for_each(|v| *v = false);
    }
}

/// The truncation bounds `ε(d) = Σ_a t2_a^(d+1) / (d+1)!`, computed on demand in increasing `d`
/// (each step one pass over the samples).
struct EpsSeq<'a> {
    t2: &'a [f64],
    pw: &'a mut Vec<f64>,
    fact: f64,
    values: Vec<f64>,
}

impl<'a> EpsSeq<'a> {
    fn new(t2: &'a [f64], pw: &'a mut Vec<f64>) -> Self {
        pw.clear();
        pw.extend_from_slice(t2);
        EpsSeq {
            t2,
            pw,
            fact: 1.0,
            values: Vec::new(),
        }
    }

    #[inline(always)]
    fn at(&mut self, d: usize) -> f64 {
        while self.values.len() <= d {
            let k = self.values.len();
            if k > 0 {
                for (p, &v) in self.pw.iter_mut().zip(self.t2) {
                    *p *= v;
                }
            }
            self.fact *= (k + 1) as f64;
            self.values.push(sum(self.pw) / self.fact);
        }
        self.values[d]
    }
}

/// `exp(z)` for `z` in `[-1, 0]`: the Taylor polynomial of the degree that makes the remainder
/// `|z|^(k+1) / (k+1)!` smaller than 1e-17 for the largest `|z|` (so correct to f64 rounding).
/// A loop over samples per coefficient, which the compiler vectorises, unlike calls to libm.
#[inline(always)]
fn exp_small(z: &[f64], out: &mut [f64]) {
    let zmax = z.iter().fold(0f64, |a, &v| a.max(v.abs()));
    let mut k = 1;
    let mut term = zmax;
    while k < 20 && term / (k + 1) as f64 * zmax > 1e-17 {
        term = term / (k + 1) as f64 * zmax;
        k += 1;
    }
    // Horner: out = 1 + z (1 + z/2 (1 + z/3 (...))).
    out.iter_mut().for_each(|o| *o = 1.0);
    for j in (1..=k).rev() {
        let inv = 1.0 / j as f64;
        for (o, &v) in out.iter_mut().zip(z) {
            *o = 1.0 + v * inv * *o;
        }
    }
}

/// Centred features of one neuron at degree `d` written to `phi` (`(d+1) x S`), their column
/// means to `c`, their Gram matrix to `g`.
#[inline(always)]
fn expand(
    t: &[f64],
    t2: &[f64],
    z: &mut Vec<f64>,
    d: usize,
    phi: &mut [f64],
    c: &mut [f64],
    g: &mut [f64],
) {
    let s = t.len();
    let f = d + 1;
    z.clear();
    z.extend(t2.iter().map(|&v| -0.5 * v));
    exp_small(z, &mut phi[..s]);
    for m in 1..f {
        let inv = 1.0 / (m as f64).sqrt();
        let (prev, cur) = phi.split_at_mut(m * s);
        for ((c, &p), &ta) in cur[..s].iter_mut().zip(&prev[(m - 1) * s..]).zip(t) {
            *c = p * ta * inv;
        }
    }
    for m in 0..f {
        let row = &mut phi[m * s..(m + 1) * s];
        c[m] = sum(row) / s as f64;
        for v in row.iter_mut() {
            *v -= c[m];
        }
    }
    for a in 0..f {
        for b in a..f {
            let v = dot(&phi[a * s..(a + 1) * s], &phi[b * s..(b + 1) * s]);
            g[a * f + b] = v;
            g[b * f + a] = v;
        }
    }
}

/// [`build_side`] compiled for the best instruction set of the running CPU (AVX2/FMA where
/// present; the crate is built for baseline x86-64), through `pulp`'s safe dispatch: the
/// per-sample loops then vectorise four f64 wide instead of two.
struct BuildSide<'a> {
    side: &'a mut Side,
    z: &'a Rows,
    sigma: f64,
    tol_s: f64,
    reference: bool,
}

impl pulp::WithSimd for BuildSide<'_> {
    type Output = Result<(), String>;
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Self::Output {
        build_side(self.side, self.z, self.sigma, self.tol_s, self.reference)
    }
}

/// `Side::combine` under the same dispatch.
struct Combine<'a, F: Fn(usize, usize) -> f64> {
    side: &'a Side,
    out: &'a mut [f32],
    row: &'a mut [f64],
    coef: F,
}

impl<F: Fn(usize, usize) -> f64> pulp::WithSimd for Combine<'_, F> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        self.side.combine_inline(self.out, self.row, self.coef)
    }
}

#[inline(always)]
fn build_side(
    side: &mut Side,
    z: &Rows,
    sigma: f64,
    tol_s: f64,
    reference: bool,
) -> Result<(), String> {
    let s = z.s;
    side.clear(s);
    let sqrt_s = (s as f64).sqrt();
    let (mut t, mut t2, mut zb, mut pw) = (
        std::mem::take(&mut side.t),
        std::mem::take(&mut side.t2),
        std::mem::take(&mut side.z),
        std::mem::take(&mut side.pw),
    );
    let mut result = Ok(());
    'rows: for i in 0..z.n {
        t.clear();
        t.extend(z.row(i).iter().map(|&x| x / sigma));
        t2.clear();
        t2.extend(t.iter().map(|&v| v * v));
        let t2max = t2.iter().copied().fold(0.0, f64::max);
        if t2max > T2_MAX {
            result = Err(format!(
                "row {i} has (x/σ)^2 = {t2max:.3} > {T2_MAX} (σ = {sigma:.3e} is small against the data)"
            ));
            break;
        }
        // First guess of the scale: the linear term alone, ‖t̃ t̃ᵀ‖_F = |t̃|^2.
        let mean_t = sum(&t) / s as f64;
        let mut kappa_guess = t.iter().map(|&v| (v - mean_t).powi(2)).sum::<f64>();
        let mut eps_at = EpsSeq::new(&t2, &mut pw);
        let mut d = 1;
        let base = side.phi.len();
        loop {
            while d < D_MAX && eps_at.at(d) > tol_s * kappa_guess {
                d += 1;
            }
            let f = d + 1;
            side.phi.resize(base + f * s, 0.0);
            let (mut c, mut g) = (vec![0f64; f], vec![0f64; f * f]);
            expand(&t, &t2, &mut zb, d, &mut side.phi[base..], &mut c, &mut g);
            let frob = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            let mut cgc = 0.0;
            for a in 0..f {
                for b in 0..f {
                    cgc += c[a] * g[a * f + b] * c[b];
                }
            }
            let rt = cgc.max(0.0).sqrt();
            let kappa = frob + if reference { sqrt_s * rt } else { 0.0 };
            let eps = eps_at.at(d);
            if eps > tol_s * kappa {
                if d >= D_MAX {
                    result = Err(format!("row {i} needs a series degree above {D_MAX}"));
                    break 'rows;
                }
                kappa_guess = kappa;
                d += 1;
                continue;
            }
            let (values, vecs) = sym_eigen(g, f);
            side.off.push(side.lam.len());
            side.off2.push(side.vecs.len());
            side.f.push(f);
            // G is positive semidefinite; Jacobi's eigenvalues (and so |w_r|^2) are accurate to ~1e-16 f ‖G‖.
            side.lam
                .extend(values.iter().map(|&l| l.max(0.0) + 1e-14 * frob));
            side.vecs.extend_from_slice(&vecs);
            side.mean.extend_from_slice(&c);
            side.frob.push(frob);
            side.rt.push(rt);
            side.eps.push(eps);
            side.max_degree = side.max_degree.max(d);
            break;
        }
    }
    (side.t, side.t2, side.z, side.pw) = (t, t2, zb, pw);
    result
}

/// Per-rank maxima over neurons of `|w_r|^2`: relative (`/ κ_i`) and absolute.
fn rank_maxima(side: &Side, reference: bool) -> (Vec<f64>, Vec<f64>) {
    let ranks = side.ranks();
    let (mut rel, mut abs) = (vec![0.0; ranks], vec![0.0; ranks]);
    for i in 0..side.n() {
        let kappa = side.kappa(i, reference);
        for r in 0..side.f[i] {
            let l = side.lam_at(i, r);
            abs[r] = f64::max(abs[r], l);
            if kappa > 0.0 {
                rel[r] = f64::max(rel[r], l / kappa);
            }
        }
    }
    (rel, abs)
}

/// Reusable buffers of one worker: both sides' expansions and the products.
#[derive(Default)]
pub(crate) struct Workspace {
    x: Side,
    y: Side,
    c32: Vec<f32>,
    /// `M` of the last layer computed.
    pub m: Vec<f64>,
    rx: Vec<f32>,
    ry: Vec<f32>,
    row: Vec<f64>,
}

/// What the series engine reports for one layer; `M` itself (row-major `n1 x n2`, in the units
/// of `kind`) is left in [`Workspace::m`].
pub(crate) struct SeriesMatrix {
    /// Certified bound on `max_ij |M_ij - exact M_ij|` from truncation (rounding excluded).
    pub bound: f64,
    pub max_degree_x: usize,
    pub max_degree_y: usize,
    pub blocks: usize,
}

pub(crate) fn layer_matrix(
    zx: &Rows,
    zy: &Rows,
    sigma: f64,
    kind: ScoreKind,
    tol: f64,
    ws: &mut Workspace,
) -> Result<SeriesMatrix, String> {
    let reference = kind == ScoreKind::Reference;
    let (n1, n2, s) = (zx.n, zy.n, zx.s);
    let (tol_s, tol_b) = (tol / 4.0, tol / 2.0);
    let arch = pulp::Arch::new();
    arch.dispatch(BuildSide {
        side: &mut ws.x,
        z: zx,
        sigma,
        tol_s,
        reference,
    })?;
    arch.dispatch(BuildSide {
        side: &mut ws.y,
        z: zy,
        sigma,
        tol_s,
        reference,
    })?;
    let ((relx, absx), (rely, absy)) =
        (rank_maxima(&ws.x, reference), rank_maxima(&ws.y, reference));

    // Blocks by decreasing bound on their relative contribution; keep until the rest is < tol_b.
    let mut blocks: Vec<(f64, usize, usize)> = Vec::with_capacity(relx.len() * rely.len());
    for (r, &a) in relx.iter().enumerate() {
        for (q, &b) in rely.iter().enumerate() {
            blocks.push((a * b, r, q));
        }
    }
    blocks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut tail = 0.0;
    let mut keep = blocks.len();
    while keep > 0 && tail + blocks[keep - 1].0 <= tol_b {
        tail += blocks[keep - 1].0;
        keep -= 1;
    }
    let (kept, dropped) = blocks.split_at(keep);

    // Absolute truncation bound on every M_ij (scaled to the kind's units below).
    let drop_abs: f64 = dropped.iter().map(|&(_, r, q)| absx[r] * absy[q]).sum();
    let drop_rel: f64 = dropped.iter().map(|b| b.0).sum();
    let max_of = |v: &mut dyn Iterator<Item = f64>| v.fold(0.0, f64::max);
    let (kx, ky) = (
        max_of(&mut (0..n1).map(|i| ws.x.kappa(i, reference))),
        max_of(&mut (0..n2).map(|j| ws.y.kappa(j, reference))),
    );
    let (ex, ey) = (
        max_of(&mut ws.x.eps.iter().copied()),
        max_of(&mut ws.y.eps.iter().copied()),
    );
    let series_abs = ex * ky + ey * kx + 2.0 * ex * ey;

    for &(_, r, q) in kept {
        ws.x.build_rank(r, &mut ws.row);
        ws.y.build_rank(q, &mut ws.row);
    }
    // Every product in f32 (matrixmultiply's f32 kernel is twice its f64 rate), accumulated in
    // f64. Against an exact f64 evaluation this keeps entries within ~5e-7 of max |M| and the
    // score within ~1e-8 relative at S = 500 (docs/perf/hsic.md), the accuracy class of the
    // dense engine.
    let m = &mut ws.m;
    m.clear();
    m.resize(n1 * n2, 0.0);
    for &(_, r, q) in kept {
        if !(ws.x.valid[r] && ws.y.valid[q]) {
            return Err(format!("internal: rank matrix ({r}, {q}) missing"));
        }
        abt_f32_into(&ws.x.w[r], n1, &ws.y.w[q], n2, s, &mut ws.c32).map_err(|e| e.to_string())?;
        for (o, &v) in m.iter_mut().zip(&ws.c32) {
            let v = v as f64;
            *o += v * v;
        }
    }

    let bound = match kind {
        ScoreKind::Reference => {
            // S r̃ᵀ s̃ for all pairs: one more product.
            let (x, y) = (&ws.x, &ws.y);
            x.combine(&mut ws.rx, &mut ws.row, |i, m| x.mean[x.off[i] + m]);
            y.combine(&mut ws.ry, &mut ws.row, |j, m| y.mean[y.off[j] + m]);
            abt_f32_into(&ws.rx, n1, &ws.ry, n2, s, &mut ws.c32).map_err(|e| e.to_string())?;
            for (o, &v) in m.iter_mut().zip(&ws.c32) {
                *o += s as f64 * v as f64;
            }
            drop_abs + series_abs
        }
        ScoreKind::Standard => {
            let scale = 1.0 / ((s - 1) as f64).powi(2);
            m.iter_mut().for_each(|v| *v *= scale);
            (drop_abs + series_abs) * scale
        }
        ScoreKind::Cka => {
            for (row, &fx) in m.chunks_exact_mut(n2).zip(&ws.x.frob) {
                for (v, &fy) in row.iter_mut().zip(&ws.y.frob) {
                    let den = fx * fy;
                    *v = if den > 0.0 { *v / den } else { 0.0 };
                }
            }
            let rel = |side: &Side| {
                side.eps
                    .iter()
                    .zip(&side.frob)
                    .filter(|(_, f)| **f > 0.0)
                    .map(|(e, f)| e / f)
                    .fold(0.0, f64::max)
            };
            let (rx, ry) = (rel(&ws.x), rel(&ws.y));
            drop_rel + 2.0 * (rx + ry + rx * ry)
        }
    };
    Ok(SeriesMatrix {
        bound,
        max_degree_x: ws.x.max_degree,
        max_degree_y: ws.y.max_degree,
        blocks: kept.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_small_matches_libm() {
        for scale in [1e-4, 1e-2, 0.3, 1.0] {
            let z: Vec<f64> = (0..=200).map(|i| -scale * i as f64 / 200.0).collect();
            let mut out = vec![0.0; z.len()];
            exp_small(&z, &mut out);
            for (&v, &o) in z.iter().zip(&out) {
                assert!(
                    (o - v.exp()).abs() <= 4e-16 * v.exp(),
                    "{v}: {o} vs {}",
                    v.exp()
                );
            }
        }
    }

    #[test]
    fn eps_by_hand() {
        // t2 = (0.5, 1): d = 0 -> (0.5 + 1) / 1; d = 1 -> (0.25 + 1) / 2; d = 2 -> (0.125 + 1) / 6.
        let t2 = [0.5, 1.0];
        let mut pw = Vec::new();
        let mut e = EpsSeq::new(&t2, &mut pw);
        assert!((e.at(2) - 1.125 / 6.0).abs() < 1e-16);
        assert_eq!(e.at(0), 1.5);
        assert_eq!(e.at(1), 0.625);
    }

    #[test]
    fn jacobi_reconstructs() {
        let a = vec![4.0, 1.0, 0.5, 1.0, 3.0, 0.25, 0.5, 0.25, 1e-9];
        let (l, v) = crate::linalg::sym_eigen(a.clone(), 3);
        assert!(l[0] >= l[1] && l[1] >= l[2]);
        for p in 0..3 {
            for q in 0..3 {
                let rec: f64 = (0..3).map(|r| v[p * 3 + r] * l[r] * v[q * 3 + r]).sum();
                assert!((rec - a[p * 3 + q]).abs() < 1e-14, "{p}{q}");
                let orth: f64 = (0..3).map(|m| v[m * 3 + p] * v[m * 3 + q]).sum();
                assert!((orth - if p == q { 1.0 } else { 0.0 }).abs() < 1e-14);
            }
        }
    }
}
