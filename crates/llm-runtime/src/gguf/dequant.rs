//! Dequantisation of ggml blocks to f32.
//!
//! Block layouts follow ggml (`ggml-common.h` / `ggml-quants.c`): every block starts or ends with
//! little-endian f16 scales, 4/5/6/8-bit quants are packed as ggml packs them. Each format is one
//! function over one block with fixed-size arrays, so the optimiser can drop bounds checks; large
//! tensors are split over threads at block boundaries (loading a model dequantises every weight).

use half::f16;

use super::types::{GgmlType, QK_K};

/// Why a byte buffer cannot be dequantised as requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DequantError {
    #[error("{n} elements is not a whole number of {ty} blocks ({block} elements each)")]
    NotBlockMultiple {
        ty: GgmlType,
        n: usize,
        block: usize,
    },
    #[error("{ty}: {n} elements need {expected} bytes, got {actual}")]
    ByteCount {
        ty: GgmlType,
        n: usize,
        expected: usize,
        actual: usize,
    },
}

/// Tensors smaller than this are dequantised on the calling thread.
const PARALLEL_MIN_ELEMENTS: usize = 1 << 20;

/// Dequantise `src` (a whole number of `ty` blocks) into `dst`; `dst.len()` is the element count.
pub fn dequantize(ty: GgmlType, src: &[u8], dst: &mut [f32]) -> Result<(), DequantError> {
    let n = dst.len();
    let block = ty.block_size();
    if !n.is_multiple_of(block) {
        return Err(DequantError::NotBlockMultiple { ty, n, block });
    }
    let expected = (n / block) * ty.block_bytes();
    if src.len() != expected {
        return Err(DequantError::ByteCount {
            ty,
            n,
            expected,
            actual: src.len(),
        });
    }
    let threads = if n >= PARALLEL_MIN_ELEMENTS {
        std::thread::available_parallelism()
            .map_or(1, |p| p.get())
            .min(16)
    } else {
        1
    };
    if threads <= 1 {
        dequantize_blocks(ty, src, dst);
        return Ok(());
    }
    // Split at block boundaries: each thread gets a contiguous run of whole blocks.
    let n_blocks = n / block;
    let blocks_per_thread = n_blocks.div_ceil(threads);
    std::thread::scope(|s| {
        let src_chunks = src.chunks(blocks_per_thread * ty.block_bytes());
        let dst_chunks = dst.chunks_mut(blocks_per_thread * block);
        for (src, dst) in src_chunks.zip(dst_chunks) {
            s.spawn(move || dequantize_blocks(ty, src, dst));
        }
    });
    Ok(())
}

/// Dequantise into a new vector of `n` elements.
pub fn dequantize_to_vec(ty: GgmlType, src: &[u8], n: usize) -> Result<Vec<f32>, DequantError> {
    let mut out = vec![0f32; n];
    dequantize(ty, src, &mut out)?;
    Ok(out)
}

/// `src` and `dst` hold the same whole number of blocks (checked by the caller).
#[inline(always)]
pub(crate) fn dequantize_blocks(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    struct Into<'a>(&'a [u8], &'a mut [f32]);
    impl BlockFormat for Into<'_> {
        type Output = ();
        #[inline(always)]
        fn blocks<const B: usize, const N: usize, D: Decode<B, N>>(self) {
            let (src, _) = self.0.as_chunks::<B>();
            let (dst, _) = self.1.as_chunks_mut::<N>();
            for (b, y) in src.iter().zip(dst) {
                D::decode(b, y);
            }
        }
        #[inline(always)]
        fn elements(self, ty: GgmlType) {
            dequantize_elements(ty, self.0, self.1);
        }
    }
    with_block_format(ty, Into(src, dst));
}

/// What to do with a block format, given its decoder `D` with the block geometry as constants
/// (`B` bytes decode to `N` f32): the loader's dequantisation and the compact-weight kernels
/// (module `quant`) both go through [`with_block_format`], so they read blocks alike.
pub(crate) trait BlockFormat {
    type Output;
    /// A block format (Q4_0 … Q6_K).
    fn blocks<const B: usize, const N: usize, D: Decode<B, N>>(self) -> Self::Output;
    /// An element format (F32, F16, BF16): see [`dequantize_elements`].
    fn elements(self, ty: GgmlType) -> Self::Output;
}

/// Hand `f` the decoder of `ty`.
#[inline(always)]
pub(crate) fn with_block_format<F: BlockFormat>(ty: GgmlType, f: F) -> F::Output {
    match ty {
        GgmlType::F32 | GgmlType::F16 | GgmlType::BF16 => f.elements(ty),
        GgmlType::Q4_0 => f.blocks::<18, 32, Q4_0>(),
        GgmlType::Q4_1 => f.blocks::<20, 32, Q4_1>(),
        GgmlType::Q5_0 => f.blocks::<22, 32, Q5_0>(),
        GgmlType::Q5_1 => f.blocks::<24, 32, Q5_1>(),
        GgmlType::Q8_0 => f.blocks::<34, 32, Q8_0>(),
        GgmlType::Q4_K => f.blocks::<144, QK_K, Q4_K>(),
        GgmlType::Q5_K => f.blocks::<176, QK_K, Q5_K>(),
        GgmlType::Q6_K => f.blocks::<210, QK_K, Q6_K>(),
    }
}

/// The decoder of one block format: `B` bytes to `N` f32. A type with an always-inlined
/// function rather than a function value, so that a kernel compiled for AVX-512 or AVX2
/// (module `quant`) compiles the decoder with it instead of calling a baseline copy.
pub(crate) trait Decode<const B: usize, const N: usize> {
    fn decode(b: &[u8; B], y: &mut [f32; N]);
}

macro_rules! decoders {
    ($($format:ident: $b:literal => $n:expr, $f:ident;)*) => {$(
        #[allow(non_camel_case_types)] // ggml's names
        pub(crate) struct $format;
        impl Decode<$b, { $n }> for $format {
            #[inline(always)]
            fn decode(b: &[u8; $b], y: &mut [f32; $n]) {
                $f(b, y)
            }
        }
    )*};
}

decoders! {
    Q4_0: 18 => 32, block_q4_0;
    Q4_1: 20 => 32, block_q4_1;
    Q5_0: 22 => 32, block_q5_0;
    Q5_1: 24 => 32, block_q5_1;
    Q8_0: 34 => 32, block_q8_0;
    Q4_K: 144 => QK_K, block_q4_k;
    Q5_K: 176 => QK_K, block_q5_k;
    Q6_K: 210 => QK_K, block_q6_k;
}

/// 32 elements of an element format as one block, for kernels that walk rows block by block.
pub(crate) struct Run32<const T: u32>;
/// [`Run32`] of F32, F16 and BF16 (ggml type ids).
pub(crate) type F32Run = Run32<0>;
pub(crate) type F16Run = Run32<1>;
pub(crate) type Bf16Run = Run32<30>;

impl<const B: usize, const T: u32> Decode<B, 32> for Run32<T> {
    #[inline(always)]
    fn decode(b: &[u8; B], y: &mut [f32; 32]) {
        let ty = match T {
            0 => GgmlType::F32,
            1 => GgmlType::F16,
            _ => GgmlType::BF16,
        };
        dequantize_elements(ty, b, y);
    }
}

/// F32, F16 and BF16 (block size 1): `dst.len()` elements from `src`.
#[inline(always)]
pub(crate) fn dequantize_elements(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    match ty {
        GgmlType::F32 => {
            for (b, y) in src.as_chunks::<4>().0.iter().zip(dst.iter_mut()) {
                *y = f32::from_le_bytes(*b);
            }
        }
        GgmlType::F16 => {
            for (b, y) in src.as_chunks::<2>().0.iter().zip(dst.iter_mut()) {
                *y = f16::from_bits(u16::from_le_bytes(*b)).to_f32_const();
            }
        }
        GgmlType::BF16 => {
            // bf16 is the top half of an f32.
            for (b, y) in src.as_chunks::<2>().0.iter().zip(dst.iter_mut()) {
                *y = f32::from_bits((u16::from_le_bytes(*b) as u32) << 16);
            }
        }
        _ => unreachable!("{ty} is a block format"),
    }
}

#[inline(always)]
fn f16_at(b: &[u8], i: usize) -> f32 {
    // The portable conversion (exact, like the F16C one): it inlines into the SIMD kernels,
    // where `to_f32` would call out and check the CPU on every block.
    f16::from_bits(u16::from_le_bytes([b[i], b[i + 1]])).to_f32_const()
}

/// Q4_0: f16 d, 16 bytes of nibbles; element j is the low nibble of byte j, element j+16 the
/// high nibble; value = (q - 8) * d.
#[inline(always)]
fn block_q4_0(b: &[u8; 18], y: &mut [f32; 32]) {
    let d = f16_at(b, 0);
    let qs = &b[2..18];
    for j in 0..16 {
        y[j] = ((qs[j] & 0x0F) as i32 - 8) as f32 * d;
        y[j + 16] = ((qs[j] >> 4) as i32 - 8) as f32 * d;
    }
}

/// Q4_1: f16 d, f16 m, nibbles as Q4_0; value = q * d + m.
#[inline(always)]
fn block_q4_1(b: &[u8; 20], y: &mut [f32; 32]) {
    let d = f16_at(b, 0);
    let m = f16_at(b, 2);
    let qs = &b[4..20];
    for j in 0..16 {
        y[j] = (qs[j] & 0x0F) as f32 * d + m;
        y[j + 16] = (qs[j] >> 4) as f32 * d + m;
    }
}

/// Q5_0: f16 d, u32 qh (bit j = 5th bit of element j), nibbles as Q4_0; value = (q - 16) * d.
#[inline(always)]
fn block_q5_0(b: &[u8; 22], y: &mut [f32; 32]) {
    let d = f16_at(b, 0);
    let qh = u32::from_le_bytes([b[2], b[3], b[4], b[5]]);
    let qs = &b[6..22];
    for j in 0..16 {
        let h0 = ((qh >> j) & 1) << 4;
        let h1 = ((qh >> (j + 16)) & 1) << 4;
        y[j] = (((qs[j] & 0x0F) as u32 | h0) as i32 - 16) as f32 * d;
        y[j + 16] = (((qs[j] >> 4) as u32 | h1) as i32 - 16) as f32 * d;
    }
}

/// Q5_1: f16 d, f16 m, u32 qh, nibbles; value = q * d + m.
#[inline(always)]
fn block_q5_1(b: &[u8; 24], y: &mut [f32; 32]) {
    let d = f16_at(b, 0);
    let m = f16_at(b, 2);
    let qh = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
    let qs = &b[8..24];
    for j in 0..16 {
        let h0 = ((qh >> j) & 1) << 4;
        let h1 = ((qh >> (j + 16)) & 1) << 4;
        y[j] = ((qs[j] & 0x0F) as u32 | h0) as f32 * d + m;
        y[j + 16] = ((qs[j] >> 4) as u32 | h1) as f32 * d + m;
    }
}

/// Q8_0: f16 d, 32 int8 quants; value = q * d.
#[inline(always)]
fn block_q8_0(b: &[u8; 34], y: &mut [f32; 32]) {
    let d = f16_at(b, 0);
    for j in 0..32 {
        y[j] = (b[2 + j] as i8) as f32 * d;
    }
}

/// The 6-bit scale and min of sub-block `j` (0..8) from the 12 packed bytes of Q4_K/Q5_K:
/// sub-blocks 0..4 keep theirs in the low 6 bits of bytes j and j+4; sub-blocks 4..8 keep the low
/// 4 bits in byte j+4 (scale low nibble, min high nibble) and the top 2 bits in the spare high
/// bits of bytes j-4 (scale) and j (min).
#[inline(always)]
fn scale_min_k4(j: usize, s: &[u8]) -> (u8, u8) {
    if j < 4 {
        (s[j] & 63, s[j + 4] & 63)
    } else {
        (
            (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4),
            (s[j + 4] >> 4) | ((s[j] >> 6) << 4),
        )
    }
}

/// Q4_K: f16 d, f16 dmin, 12 bytes scales, 128 bytes quants. 8 sub-blocks of 32; each 64-element
/// group j uses 32 bytes: low nibbles are sub-block 2j, high nibbles sub-block 2j+1.
/// value = d * scale * q - dmin * min.
#[inline(always)]
fn block_q4_k(b: &[u8; 144], y: &mut [f32; QK_K]) {
    let d = f16_at(b, 0);
    let dmin = f16_at(b, 2);
    let scales = &b[4..16];
    let qs = &b[16..144];
    for g in 0..4 {
        let (sc1, m1) = scale_min_k4(2 * g, scales);
        let (sc2, m2) = scale_min_k4(2 * g + 1, scales);
        let (d1, m1) = (d * sc1 as f32, dmin * m1 as f32);
        let (d2, m2) = (d * sc2 as f32, dmin * m2 as f32);
        let q = &qs[32 * g..32 * g + 32];
        let out = &mut y[64 * g..64 * g + 64];
        for l in 0..32 {
            out[l] = d1 * (q[l] & 0x0F) as f32 - m1;
            out[l + 32] = d2 * (q[l] >> 4) as f32 - m2;
        }
    }
}

/// Q5_K: like Q4_K plus 32 bytes `qh`: for 64-element group g, bit 2g of qh[l] is the 5th bit of
/// element l of the low-nibble half, bit 2g+1 of the high-nibble half.
#[inline(always)]
fn block_q5_k(b: &[u8; 176], y: &mut [f32; QK_K]) {
    let d = f16_at(b, 0);
    let dmin = f16_at(b, 2);
    let scales = &b[4..16];
    let qh = &b[16..48];
    let qs = &b[48..176];
    for g in 0..4 {
        let (sc1, m1) = scale_min_k4(2 * g, scales);
        let (sc2, m2) = scale_min_k4(2 * g + 1, scales);
        let (d1, m1) = (d * sc1 as f32, dmin * m1 as f32);
        let (d2, m2) = (d * sc2 as f32, dmin * m2 as f32);
        let q = &qs[32 * g..32 * g + 32];
        let out = &mut y[64 * g..64 * g + 64];
        for l in 0..32 {
            let h1 = ((qh[l] >> (2 * g)) & 1) << 4;
            let h2 = ((qh[l] >> (2 * g + 1)) & 1) << 4;
            out[l] = d1 * ((q[l] & 0x0F) | h1) as f32 - m1;
            out[l + 32] = d2 * ((q[l] >> 4) | h2) as f32 - m2;
        }
    }
}

/// Q6_K: 128 bytes low nibbles `ql`, 64 bytes 2-bit highs `qh`, 16 int8 scales, f16 d. Two halves
/// of 128 elements; in half h, element l (0..32) of each quarter k (0..4) takes its low nibble from
/// ql[64h + l + 32*(k%2)] (low nibble for k<2, high for k>=2) and its top bits from bits 2k..2k+2
/// of qh[32h + l]; the scale of 16 elements is scales[8h + 2k + l/16]. value = d * scale * (q - 32).
#[inline(always)]
fn block_q6_k(b: &[u8; 210], y: &mut [f32; QK_K]) {
    let ql = &b[0..128];
    let qh = &b[128..192];
    let sc = &b[192..208];
    let d = f16_at(b, 208);
    for h in 0..2 {
        let ql = &ql[64 * h..64 * h + 64];
        let qh = &qh[32 * h..32 * h + 32];
        let sc = &sc[8 * h..8 * h + 8];
        let out = &mut y[128 * h..128 * h + 128];
        for l in 0..32 {
            let is = l / 16;
            let q1 = ((ql[l] & 0x0F) | ((qh[l] & 3) << 4)) as i32 - 32;
            let q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) as i32 - 32;
            let q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) as i32 - 32;
            let q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) as i32 - 32;
            out[l] = d * (sc[is] as i8) as f32 * q1 as f32;
            out[l + 32] = d * (sc[is + 2] as i8) as f32 * q2 as f32;
            out[l + 64] = d * (sc[is + 4] as i8) as f32 * q3 as f32;
            out[l + 96] = d * (sc[is + 6] as i8) as f32 * q4 as f32;
        }
    }
}
