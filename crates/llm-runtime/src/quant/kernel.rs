//! The fused decode-and-dot loop behind [`super::QuantMatrix::matmul_t`] for one input row
//! (a single-row decode step, bound by reading the weights once).
//!
//! Output rows are split into tasks over rayon's pool (the pool `--threads` sizes). Within a
//! task each weight row is walked block by block: the block is decoded into f32 on the stack by
//! the loader's decoder, then multiplied into [`LANES`] partial sums. Everything below the
//! dispatch is `#[inline(always)]`, so `pulp` compiles it once per instruction set (AVX-512,
//! AVX2+FMA, baseline) and picks one at run time; the loops are plain Rust the compiler
//! vectorises.

use half::f16;
use half::slice::HalfFloatSliceExt;
use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use crate::gguf::{
    Bf16Run, BlockFormat, Decode, F16Run, F32Run, GgmlType, dequantize_elements, with_block_format,
};

/// Elements of an element format (f32, f16, bf16) decoded at once.
const RUN: usize = 256;
/// Weight rows per parallel task: about this many tasks per thread (balance), but at least
/// [`MIN_ROWS_PER_TASK`] (the smallest matrices of the default model have 256 rows) and at most
/// [`MAX_ROWS_PER_TASK`]. Long tasks let each core stream through a long run of memory: 16-row
/// tasks held the default model's output head (262,144 rows) to 17 GiB/s, 256-row ones reach
/// 19.5 (criterion `quant_kernels`, "output head", 2 threads).
const TASKS_PER_THREAD: usize = 8;
const MIN_ROWS_PER_TASK: usize = 16;
const MAX_ROWS_PER_TASK: usize = 256;
/// Partial sums: a 32-element block, i.e. two AVX-512 registers (four AVX2
/// ones) whose additions do not wait on each other (one register would serialise every
/// block on the adder's latency).
const LANES: usize = 32;

/// `[rows]`: element `r` is the dot product of weight row `r` with `x` (`[cols]`).
pub(super) fn products(ty: GgmlType, data: &[u8], rows: usize, cols: usize, x: &[f32]) -> Vec<f32> {
    let row_bytes = cols / ty.block_size() * ty.block_bytes();
    let mut out = vec![0f32; rows];
    let per_task = (rows / (TASKS_PER_THREAD * rayon::current_num_threads()))
        .clamp(MIN_ROWS_PER_TASK, MAX_ROWS_PER_TASK);
    out.par_chunks_mut(per_task)
        .zip(data.par_chunks(per_task * row_bytes))
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
        if self.ty == GgmlType::Q8_0 {
            return self.q8_0();
        }
        with_block_format(self.ty, self);
    }

    /// Q8_0, the format of tied output heads (the default model's: 178 MB, the largest read of
    /// a decode step), with its own loop: the generic one decodes each 32-element block's f16
    /// scale in scalar code and multiplies it into every element. Here a row's scales are
    /// converted at once (`half`'s slice conversion, F16C where the CPU has it) and each block
    /// contributes `d · Σ q·x`: the same real number as `Σ (q·d)·x`, rounded differently.
    /// A small gain (2-3% on the head in criterion `quant_kernels`); the head's distance from
    /// the 24 GiB/s two cores read here is per-core streaming, which the task size addresses.
    #[inline(always)]
    fn q8_0(self) {
        let blocks = self.cols / 32;
        let mut scales16 = vec![f16::ZERO; blocks];
        let mut scales = vec![0f32; blocks];
        let (x, _) = self.x.as_chunks::<32>();
        for (row, y) in self
            .rows
            .chunks_exact(self.row_bytes)
            .zip(self.out.iter_mut())
        {
            let (row, _) = row.as_chunks::<34>();
            for (d, b) in scales16.iter_mut().zip(row) {
                *d = f16::from_le_bytes([b[0], b[1]]);
            }
            scales16.convert_to_f32_slice(&mut scales);
            let mut acc = [0f32; 16];
            for ((b, x), d) in row.iter().zip(x).zip(&scales) {
                let mut t = [0f32; 16];
                for j in 0..16 {
                    t[j] = (b[2 + j] as i8) as f32 * x[j] + (b[18 + j] as i8) as f32 * x[16 + j];
                }
                for j in 0..16 {
                    acc[j] += d * t[j];
                }
            }
            *y = acc.iter().sum();
        }
    }

    /// F16 a row at a time through `half`'s slice conversion (F16C where the CPU has it): the
    /// portable per-element conversion in the block loop was 25% slower (criterion
    /// `quant_kernels`, F16 at one row).
    #[inline(always)]
    fn f16_rows(self) {
        let mut h = vec![f16::ZERO; self.cols];
        let mut w = vec![0f32; self.cols];
        for (row, y) in self
            .rows
            .chunks_exact(self.row_bytes)
            .zip(self.out.iter_mut())
        {
            for (h, b) in h.iter_mut().zip(row.as_chunks::<2>().0) {
                *h = f16::from_le_bytes(*b);
            }
            h.convert_to_f32_slice(&mut w);
            let mut acc = [0f32; LANES];
            multiply_add(&mut acc, &w, self.x);
            *y = acc.iter().sum();
        }
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
        if ty == GgmlType::F16 {
            return self.f16_rows();
        }
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
