//! The fused decode-and-dot loop behind [`super::QuantMatrix::matmul_t`] for one input row
//! (a single-row decode step, bound by reading the weights once).
//!
//! Output rows are split into tasks over rayon's pool (the pool `--threads` sizes). Within a
//! task each weight row is walked block by block: the block is decoded into f32 on the stack by
//! the loader's decoder, then multiplied into [`LANES`] partial sums. Everything below the
//! dispatch is `#[inline(always)]`, so `pulp` compiles it once per instruction set (AVX-512,
//! AVX2+FMA, baseline) and picks one at run time; the loops are plain Rust the compiler
//! vectorises.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use crate::gguf::{
    Bf16Run, BlockFormat, Decode, F16Run, F32Run, GgmlType, dequantize_elements, with_block_format,
};

/// Elements of an element format (f32, f16, bf16) decoded at once.
const RUN: usize = 256;
/// Weight rows per parallel task: enough work to amortise scheduling, small enough to balance
/// two cores on the smallest matrices of the default model (256 rows).
const ROWS_PER_TASK: usize = 16;
/// Partial sums: a 32-element block, i.e. two AVX-512 registers (four AVX2
/// ones) whose additions do not wait on each other (one register would serialise every
/// block on the adder's latency).
const LANES: usize = 32;

/// `[rows]`: element `r` is the dot product of weight row `r` with `x` (`[cols]`).
pub(super) fn products(ty: GgmlType, data: &[u8], rows: usize, cols: usize, x: &[f32]) -> Vec<f32> {
    let row_bytes = cols / ty.block_size() * ty.block_bytes();
    let mut out = vec![0f32; rows];
    out.par_chunks_mut(ROWS_PER_TASK)
        .zip(data.par_chunks(ROWS_PER_TASK * row_bytes))
        .for_each(|(out, rows)| {
            Arch::new().dispatch(Task {
                ty,
                rows,
                row_bytes,
                cols,
                x,
                out,
            })
        });
    out
}

/// A run of whole weight rows, the input they multiply and where the products go.
struct Task<'a> {
    ty: GgmlType,
    rows: &'a [u8],
    row_bytes: usize,
    cols: usize,
    x: &'a [f32],
    out: &'a mut [f32],
}

// A type rather than a closure: pulp compiles what `with_simd` inlines with the instruction
// set's target features, and a closure's body is not forced inline.
impl WithSimd for Task<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        self.run();
    }
}

impl Task<'_> {
    #[inline(always)]
    fn run(self) {
        with_block_format(self.ty, self);
    }
}

impl BlockFormat for Task<'_> {
    type Output = ();

    /// Block formats: each block decoded into f32 on the stack and dotted with `x` at once.
    #[inline(always)]
    fn blocks<const B: usize, const N: usize, D: Decode<B, N>>(self) {
        let mut w = [0f32; N];
        let (x, _) = self.x.as_chunks::<N>();
        for (row, y) in self
            .rows
            .chunks_exact(self.row_bytes)
            .zip(self.out.iter_mut())
        {
            let mut acc = [0f32; LANES];
            for (b, x) in row.as_chunks::<B>().0.iter().zip(x) {
                D::decode(b, &mut w);
                multiply_add(&mut acc, &w, x);
            }
            *y = acc.iter().sum();
        }
    }

    /// Element formats (f32, f16, bf16): blocks of 32 elements where rows allow (every model
    /// shape in practice), else runs of [`RUN`] elements, the last one shorter.
    #[inline(always)]
    fn elements(self, ty: GgmlType) {
        if self.cols.is_multiple_of(32) {
            return match ty {
                GgmlType::F32 => self.blocks::<128, 32, F32Run>(),
                GgmlType::F16 => self.blocks::<64, 32, F16Run>(),
                _ => self.blocks::<64, 32, Bf16Run>(),
            };
        }
        let run_bytes = RUN * ty.block_bytes();
        let mut buf = [0f32; RUN];
        for (row, y) in self
            .rows
            .chunks_exact(self.row_bytes)
            .zip(self.out.iter_mut())
        {
            let mut acc = [0f32; LANES];
            for (j, src) in row.chunks(run_bytes).enumerate() {
                let w = &mut buf[..src.len() / ty.block_bytes()];
                dequantize_elements(ty, src, w);
                let k = j * RUN;
                multiply_add(&mut acc, w, &self.x[k..k + w.len()]);
            }
            *y = acc.iter().sum();
        }
    }
}

/// `acc[j % LANES] += w[j] * x[j]`: independent lanes, so the compiler may vectorise (a single
/// running sum would fix the order of every addition and stay scalar).
#[inline(always)]
fn multiply_add(acc: &mut [f32; LANES], w: &[f32], x: &[f32]) {
    let (wc, wr) = w.as_chunks::<LANES>();
    let (xc, xr) = x.as_chunks::<LANES>();
    for (w, x) in wc.iter().zip(xc) {
        for j in 0..LANES {
            acc[j] += w[j] * x[j];
        }
    }
    for (j, (w, x)) in wr.iter().zip(xr).enumerate() {
        acc[j] += w * x;
    }
}
