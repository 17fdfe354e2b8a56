//! Products of compact weights with several input rows (a batched decode step): the weight rows
//! are decoded a panel at a time into f32 (a panel fits the L2 cache), and each panel is
//! multiplied by the `gemm` crate's microkernels, whose register tiling a hand-written loop did
//! not approach (measured: 7 GFLOP/s against gemm's ~90 at 16 rows).
//!
//! Layout: gemm multiplies `X · Pᵀ` with the panel `P` as its right operand read in place
//! (row-major weight rows are what gemm's right operand wants, so nothing is repacked but the
//! small `X`), into a task-local `[r, n]` buffer that is then written into the task's columns
//! of the `[n, rows]` output. (The other orientation, the panel as the left operand, made gemm
//! transpose every panel: 42% of a 16-row decode step.)
//!
//! One of the crate's four `unsafe` places (with gguf/mmap.rs, cuda/cublaslt.rs and
//! host_memory.rs): `gemm::gemm` takes raw pointers and strides, and the tasks write their
//! columns of one output. Invariants, checked by the asserts in
//! [`products`] and relied on by the `unsafe` blocks:
//! - `xt` holds `x` (`n` rows of `cols` f32) column-major, `xt.len() == n * cols`, read as
//!   gemm's left operand (element `(i, k)` at `xt[k * n + i]`).
//! - A task's panel holds its `r` weight rows of `cols` f32, row-major, all written by the
//!   decoder before the gemm reads it as `Pᵀ` (element `(k, j)` at `panel[j * cols + k]`).
//! - The task-local product buffer holds `r * n` f32 (element `(i, j)` at `buf[j * n + i]`).
//! - `out` holds `n * rows` f32 in `[n, rows]` order; task `t` writes element `(i, t * h + j)`
//!   for `j < r`, `i < n` only, where `h` is the panel height and `t * h + r <= rows`: the
//!   tasks' column ranges are disjoint and in bounds, and nothing else touches `out` until every
//!   task has returned (rayon's `for_each` joins them).
#![allow(unsafe_code)]

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use crate::gguf::{GgmlType, dequantize_blocks};

/// f32 elements of one panel: 256 KB, within the L2 cache of current x86 cores.
const PANEL_ELEMENTS: usize = 64 * 1024;
/// Fewest panels per matrix, so two threads stay busy on the smallest projections.
const MIN_PANELS: usize = 4;

thread_local! {
    /// A thread's panel and product buffer, reused across tasks (a fresh 256 KB allocation per
    /// task would be an mmap and munmap each time).
    static SCRATCH: std::cell::Cell<(Vec<f32>, Vec<f32>)> =
        const { std::cell::Cell::new((Vec::new(), Vec::new())) };
}

/// `[n, rows]`: element `(i, j)` is weight row `j` (of `data`, `[rows, cols]` in format `ty`)
/// dotted with input row `i` of `x` (`[n, cols]`).
pub(super) fn products(
    ty: GgmlType,
    data: &[u8],
    rows: usize,
    cols: usize,
    x: &[f32],
    n: usize,
) -> Vec<f32> {
    let row_bytes = cols / ty.block_size() * ty.block_bytes();
    assert_eq!(x.len(), n * cols, "x must be [n, cols]");
    assert_eq!(data.len(), rows * row_bytes, "data must hold [rows, cols]");
    let mut out = vec![0f32; n * rows];
    if n == 0 || rows == 0 {
        return out;
    }
    let height = (PANEL_ELEMENTS / cols.max(1))
        .min(rows.div_ceil(MIN_PANELS))
        .max(1);
    // `x` column-major (`xt[k * n + i]`): gemm's packing of its left operand is then contiguous
    // copies; read row-major it was a strided scalar gather, once per panel (24% of a 64-row
    // decode step, most of it the output head's ~2,500 panels).
    let mut xt = vec![0f32; n * cols];
    for (i, row) in x.chunks_exact(cols).enumerate() {
        for (k, &v) in row.iter().enumerate() {
            xt[k * n + i] = v;
        }
    }
    let xt = &xt[..];
    let dst = Out(out.as_mut_ptr());
    data.par_chunks(height * row_bytes)
        .enumerate()
        .for_each(|(t, src)| {
            let r = src.len() / row_bytes;
            let (mut panel_buf, mut prod_buf) = SCRATCH.take();
            panel_buf.resize(r * cols, 0.0);
            prod_buf.resize(r * n, 0.0);
            let panel = &mut panel_buf[..r * cols];
            let prod = &mut prod_buf[..r * n];
            Arch::new().dispatch(Decode {
                ty,
                src,
                dst: panel,
            });
            // SAFETY: the module's invariants: `xt` is `[n, cols]` column-major, `panel` is `[r, cols]`
            // and `prod` is `[r, n]`, all live and not otherwise borrowed during the call.
            unsafe {
                gemm::gemm(
                    n,
                    r,
                    cols,
                    prod.as_mut_ptr(),
                    n as isize, // dst column (weight row) stride
                    1,          // dst row (input row) stride
                    false,
                    xt.as_ptr(),
                    n as isize, // lhs column (k) stride
                    1,          // lhs row (input row) stride
                    panel.as_ptr(),
                    cols as isize,
                    1,
                    0.0,
                    1.0,
                    false,
                    false,
                    false,
                    gemm::Parallelism::None,
                );
            }
            let j0 = t * height;
            for i in 0..n {
                let row = dst.at(i * rows + j0);
                for (j, p) in prod.chunks_exact(n).enumerate() {
                    // SAFETY: element `(i, j0 + j)` with `i < n`, `j < r`, `j0 + r <= rows`:
                    // in bounds, and in this task's columns, which no other task writes.
                    unsafe { row.add(j).write(p[i]) };
                }
            }
            SCRATCH.set((panel_buf, prod_buf));
        });
    out
}

/// The output's base pointer, shared by the tasks (each writes its own columns).
struct Out(*mut f32);

// SAFETY: tasks write disjoint elements through it (module invariants) and `out` outlives them.
unsafe impl Sync for Out {}
unsafe impl Send for Out {}

impl Out {
    fn at(&self, offset: usize) -> *mut f32 {
        self.0.wrapping_add(offset)
    }
}

/// Decode whole weight rows into f32 with the instruction set `pulp` picks (the decoders are
/// `#[inline(always)]`, so they compile with its target features here).
struct Decode<'a> {
    ty: GgmlType,
    src: &'a [u8],
    dst: &'a mut [f32],
}

impl WithSimd for Decode<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _simd: S) {
        dequantize_blocks(self.ty, self.src, self.dst);
    }
}
