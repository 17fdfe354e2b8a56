//! Weights kept in their checkpoint's block format on the CPU (Q4_K, Q6_K, Q8_0, Q5_0, …, f16,
//! bf16), and the products that read them.
//!
//! Dequantising a GGUF model to f32 at load costs 4-8x its memory and, worse for decoding, 4-8x
//! the memory traffic of every step: a decode step of the default model read 1.07 GB of f32
//! weights where its blocks hold 0.25 GB. Here a [`QuantMatrix`] keeps the file's bytes, and
//! [`QuantMatrix::matmul_t`] decodes them with the loader's own block decoder
//! ([`crate::gguf::dequantize_blocks`]), accumulating in f32: for one input row a block at a
//! time on the stack, dotted at once ([`kernel`]); for several, a cache-sized panel of weight
//! rows at a time, multiplied by the `gemm` crate ([`panel`]). The weights are therefore exactly
//! the loader's f32 values and the products differ from a dense f32 matmul only in summation
//! order.
//!
//! Written here rather than taken from a crate: the quantised-matmul crates on crates.io
//! (`ggml-quants`, `candle`'s k-quants) either quantise the activations to int8 (not exact) or
//! come inside a whole tensor library. SIMD comes from `pulp`'s run-time dispatch (AVX-512,
//! AVX2+FMA or portable code, chosen once per call) over plain loops the compiler vectorises;
//! the one `unsafe` block is the call into `gemm` (its invariants are in [`panel`]).

mod kernel;
mod panel;

use std::ops::Range;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::gguf::{GgmlType, dequantize, dequantize_blocks};

/// A `[rows, cols]` matrix stored row by row in a ggml block format (each row a whole number of
/// blocks, as GGUF requires). Cheap to clone (the bytes are shared).
#[derive(Clone)]
pub struct QuantMatrix {
    ty: GgmlType,
    rows: usize,
    cols: usize,
    data: Arc<[u8]>,
}

impl std::fmt::Debug for QuantMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "QuantMatrix({} [{}, {}], {} bytes)",
            self.ty,
            self.rows,
            self.cols,
            self.data.len()
        )
    }
}

impl QuantMatrix {
    /// `data` holds `rows` rows of `cols` elements of type `ty`, row-major.
    pub fn new(ty: GgmlType, rows: usize, cols: usize, data: impl Into<Arc<[u8]>>) -> Result<Self> {
        let data = data.into();
        if !cols.is_multiple_of(ty.block_size()) {
            return Err(Error::Invalid(format!(
                "a {ty} matrix needs rows of whole {}-element blocks, got {cols} columns",
                ty.block_size()
            )));
        }
        let expected = rows * (cols / ty.block_size()) * ty.block_bytes();
        if data.len() != expected {
            return Err(Error::Invalid(format!(
                "a {ty} matrix of [{rows}, {cols}] takes {expected} bytes, got {}",
                data.len()
            )));
        }
        Ok(Self {
            ty,
            rows,
            cols,
            data,
        })
    }

    pub fn ty(&self) -> GgmlType {
        self.ty
    }
    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Bytes held (what a decode step reads for this matrix).
    pub fn bytes(&self) -> usize {
        self.data.len()
    }
    fn row_bytes(&self) -> usize {
        self.cols / self.ty.block_size() * self.ty.block_bytes()
    }
    fn row(&self, r: usize) -> &[u8] {
        let b = self.row_bytes();
        &self.data[r * b..(r + 1) * b]
    }

    /// Rows `ids` dequantised to f32, `[ids.len(), cols]` row-major (an embedding lookup).
    /// Panics on an id ≥ rows, as indexing does.
    pub fn gather_rows(&self, ids: &[usize]) -> Vec<f32> {
        let mut out = vec![0f32; ids.len() * self.cols];
        for (&r, dst) in ids.iter().zip(out.chunks_exact_mut(self.cols)) {
            dequantize_blocks(self.ty, self.row(r), dst);
        }
        out
    }

    /// The whole matrix in f32, `[rows, cols]` row-major: the loader's values exactly.
    pub fn dequantize(&self) -> Vec<f32> {
        self.dequantize_rows(0..self.rows)
    }

    /// Rows `range` in f32, `[range.len(), cols]` row-major (split over threads when large).
    pub fn dequantize_rows(&self, range: Range<usize>) -> Vec<f32> {
        let b = self.row_bytes();
        let mut out = vec![0f32; range.len() * self.cols];
        let src = &self.data[range.start * b..range.end * b];
        // Sizes were checked in `new`, so this cannot fail.
        dequantize(self.ty, src, &mut out).expect("whole blocks of the matrix");
        out
    }

    /// `x W^T` for `x: [n, cols]` row-major: `[n, rows]` row-major, the weights decoded block
    /// by block from the stored format, accumulated in f32.
    pub fn matmul_t(&self, x: &[f32], n: usize) -> Vec<f32> {
        assert_eq!(x.len(), n * self.cols, "x must be [n, cols]");
        if n == 1 {
            kernel::products(self.ty, &self.data, self.rows, self.cols, x)
        } else {
            panel::products(self.ty, &self.data, self.rows, self.cols, x, n)
        }
    }
}
