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
fn dequantize_blocks(ty: GgmlType, src: &[u8], dst: &mut [f32]) {
    match ty {
        GgmlType::F32 => {
            for (b, y) in src.chunks_exact(4).zip(dst.iter_mut()) {
                *y = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
        GgmlType::F16 => {
            for (b, y) in src.chunks_exact(2).zip(dst.iter_mut()) {
                *y = f16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32();
            }
        }
        GgmlType::BF16 => {
            // bf16 is the top half of an f32.
            for (b, y) in src.chunks_exact(2).zip(dst.iter_mut()) {
                *y = f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16);
            }
        }
        GgmlType::Q4_0 => per_block::<18, 32>(src, dst, block_q4_0),
        GgmlType::Q4_1 => per_block::<20, 32>(src, dst, block_q4_1),
        GgmlType::Q5_0 => per_block::<22, 32>(src, dst, block_q5_0),
        GgmlType::Q5_1 => per_block::<24, 32>(src, dst, block_q5_1),
        GgmlType::Q8_0 => per_block::<34, 32>(src, dst, block_q8_0),
        GgmlType::Q4_K => per_block::<144, QK_K>(src, dst, block_q4_k),
        GgmlType::Q5_K => per_block::<176, QK_K>(src, dst, block_q5_k),
        GgmlType::Q6_K => per_block::<210, QK_K>(src, dst, block_q6_k),
    }
}

fn per_block<const B: usize, const N: usize>(
    src: &[u8],
    dst: &mut [f32],
    f: fn(&[u8; B], &mut [f32; N]),
) {
    for (b, y) in src.chunks_exact(B).zip(dst.chunks_exact_mut(N)) {
        // chunks_exact guarantees the lengths, so these conversions cannot fail.
        if let (Ok(b), Ok(y)) = (<&[u8; B]>::try_from(b), <&mut [f32; N]>::try_from(y)) {
            f(b, y);
        }
    }
}

#[inline(always)]
fn f16_at(b: &[u8], i: usize) -> f32 {
    f16::from_bits(u16::from_le_bytes([b[i], b[i + 1]])).to_f32()
}

/// Q4_0: f16 d, 16 bytes of nibbles; element j is the low nibble of byte j, element j+16 the
/// high nibble; value = (q - 8) * d.
fn block_q4_0(b: &[u8; 18], y: &mut [f32; 32]) {
    let d = f16_at(b, 0);
    let qs = &b[2..18];
    for j in 0..16 {
        y[j] = ((qs[j] & 0x0F) as i32 - 8) as f32 * d;
        y[j + 16] = ((qs[j] >> 4) as i32 - 8) as f32 * d;
    }
}

/// Q4_1: f16 d, f16 m, nibbles as Q4_0; value = q * d + m.
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
