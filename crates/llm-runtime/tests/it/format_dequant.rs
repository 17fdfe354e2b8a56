//! Dequantisation of every supported ggml format against hand-built blocks.
//!
//! Each test encodes a block with a naive, element-by-element encoder written here from the ggml
//! block description (not from the crate), checks a few values computed by hand, and checks the
//! whole block against the per-element formula.

// Element indices are the subject of these tests: indexing by them reads like the format spec.
#![allow(clippy::needless_range_loop)]

use half::{bf16, f16};
use llm_runtime::gguf::{DequantError, GgmlType, dequantize_to_vec, quantize};

fn h(x: f32) -> [u8; 2] {
    f16::from_f32(x).to_le_bytes()
}

fn deq(ty: GgmlType, bytes: &[u8], n: usize) -> Vec<f32> {
    dequantize_to_vec(ty, bytes, n).unwrap()
}

#[test]
fn f32_f16_bf16() {
    let vals = [1.5f32, -2.25, 0.0, 65504.0];
    let bytes: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
    assert_eq!(deq(GgmlType::F32, &bytes, 4), vals);
    // 0x3C00 = 1.0, 0xC000 = -2.0, 0x3555 ~ 0.33325195 in IEEE half.
    let bytes = [0x00, 0x3C, 0x00, 0xC0, 0x55, 0x35];
    assert_eq!(deq(GgmlType::F16, &bytes, 3), [1.0, -2.0, 0.333_251_95]);
    // bf16 0x3F80 = 1.0, 0xC040 = -3.0, 0x4049 = 3.140625
    let bytes = [0x80, 0x3F, 0x40, 0xC0, 0x49, 0x40];
    assert_eq!(deq(GgmlType::BF16, &bytes, 3), [1.0, -3.0, 3.140625]);
    assert_eq!(bf16::from_f32(3.140625).to_bits(), 0x4049);
}

#[test]
fn q8_0() {
    let mut b = Vec::new();
    b.extend_from_slice(&h(0.25));
    let q: Vec<i8> = (0..32).map(|i| (i as i8 - 16) * 4).collect(); // -64 .. 60
    b.extend(q.iter().map(|&x| x as u8));
    let y = deq(GgmlType::Q8_0, &b, 32);
    assert_eq!(y[0], -16.0); // -64 * 0.25
    assert_eq!(y[31], 15.0); // 60 * 0.25
    for i in 0..32 {
        assert_eq!(y[i], q[i] as f32 * 0.25);
    }
}

#[test]
fn q4_0() {
    // Element j < 16 is the low nibble of byte j, element j + 16 the high nibble.
    let d = 0.5;
    let nib = |e: usize| (e * 7 % 16) as u8;
    let mut b = h(d).to_vec();
    b.extend((0..16).map(|j| nib(j) | (nib(j + 16) << 4)));
    let y = deq(GgmlType::Q4_0, &b, 32);
    assert_eq!(y[0], -4.0); // (0 - 8) * 0.5
    assert_eq!(y[1], -0.5); // (7 - 8) * 0.5
    assert_eq!(y[16], (nib(16) as f32 - 8.0) * 0.5); // nib 0 -> -4
    for e in 0..32 {
        assert_eq!(y[e], (nib(e) as f32 - 8.0) * d, "element {e}");
    }
}

#[test]
fn q4_1() {
    let (d, m) = (0.5, -1.0);
    let nib = |e: usize| (15 - e % 16) as u8;
    let mut b = h(d).to_vec();
    b.extend_from_slice(&h(m));
    b.extend((0..16).map(|j| nib(j) | (nib(j + 16) << 4)));
    let y = deq(GgmlType::Q4_1, &b, 32);
    assert_eq!(y[0], 6.5); // 15 * 0.5 - 1
    assert_eq!(y[15], -1.0); // 0 * 0.5 - 1
    for e in 0..32 {
        assert_eq!(y[e], nib(e) as f32 * d + m, "element {e}");
    }
}

/// 5-bit quants: low nibble as Q4_0, the 5th bit of element e is bit e of the u32 `qh`.
fn q5_bits(q: impl Fn(usize) -> u8) -> ([u8; 4], Vec<u8>) {
    let mut qh = 0u32;
    for e in 0..32 {
        if q(e) & 0x10 != 0 {
            qh |= 1 << e;
        }
    }
    let qs = (0..16)
        .map(|j| (q(j) & 0xF) | ((q(j + 16) & 0xF) << 4))
        .collect();
    (qh.to_le_bytes(), qs)
}

#[test]
fn q5_0() {
    let d = 0.25;
    let q = |e: usize| (e * 11 % 32) as u8;
    let (qh, qs) = q5_bits(q);
    let mut b = h(d).to_vec();
    b.extend_from_slice(&qh);
    b.extend(qs);
    let y = deq(GgmlType::Q5_0, &b, 32);
    assert_eq!(y[0], -4.0); // (0 - 16) * 0.25
    assert_eq!(y[3], (33 % 32 - 16) as f32 * 0.25); // q = 1 -> -3.75
    assert_eq!(y[19], (19 * 11 % 32) as f32 * 0.25 - 4.0); // high nibble + qh bit 19
    for e in 0..32 {
        assert_eq!(y[e], (q(e) as f32 - 16.0) * d, "element {e}");
    }
}

#[test]
fn q5_1() {
    let (d, m) = (0.125, 2.0);
    let q = |e: usize| (31 - e) as u8;
    let (qh, qs) = q5_bits(q);
    let mut b = h(d).to_vec();
    b.extend_from_slice(&h(m));
    b.extend_from_slice(&qh);
    b.extend(qs);
    let y = deq(GgmlType::Q5_1, &b, 32);
    assert_eq!(y[0], 31.0 * 0.125 + 2.0);
    assert_eq!(y[31], 2.0);
    for e in 0..32 {
        assert_eq!(y[e], q(e) as f32 * d + m, "element {e}");
    }
}

/// Pack 8 six-bit scales and mins the Q4_K/Q5_K way: sub-blocks 0..4 in the low 6 bits of bytes
/// 0..4 (scales) and 4..8 (mins); sub-blocks 4..8 keep low nibbles in bytes 8..12 (scale low,
/// min high) and their top two bits in bits 6..8 of bytes 0..4 (scales) and 4..8 (mins).
fn pack_k4_scales(sc: [u8; 8], mn: [u8; 8]) -> [u8; 12] {
    let mut s = [0u8; 12];
    for i in 0..4 {
        s[i] = sc[i] | ((sc[i + 4] >> 4) << 6);
        s[i + 4] = mn[i] | ((mn[i + 4] >> 4) << 6);
        s[i + 8] = (sc[i + 4] & 0xF) | ((mn[i + 4] & 0xF) << 4);
    }
    s
}

const SC: [u8; 8] = [1, 2, 3, 4, 17, 33, 50, 63];
const MN: [u8; 8] = [0, 1, 2, 3, 20, 40, 5, 63];

#[test]
fn q4_k() {
    let (d, dmin) = (0.5f32, 0.25f32);
    // Sub-block s (32 elements) element l has quant q(s, l). In 64-element group g, byte 32g+l
    // holds sub-block 2g in its low nibble and sub-block 2g+1 in its high nibble.
    let q = |s: usize, l: usize| ((s * 3 + l) % 16) as u8;
    let mut b = h(d).to_vec();
    b.extend_from_slice(&h(dmin));
    b.extend_from_slice(&pack_k4_scales(SC, MN));
    for g in 0..4 {
        for l in 0..32 {
            b.push(q(2 * g, l) | (q(2 * g + 1, l) << 4));
        }
    }
    assert_eq!(b.len(), 144);
    let y = deq(GgmlType::Q4_K, &b, 256);
    assert_eq!(y[0], 0.0); // 0.5*1*0 - 0.25*0
    assert_eq!(y[32 + 5], 0.5 * 2.0 * 8.0 - 0.25 * 1.0); // sub-block 1, q = 3+5 = 8 -> 7.75
    assert_eq!(y[32 * 7 + 1], 0.5 * 63.0 * 6.0 - 0.25 * 63.0); // q = (21+1)%16 = 6 -> 173.25
    for s in 0..8 {
        for l in 0..32 {
            let want = d * SC[s] as f32 * q(s, l) as f32 - dmin * MN[s] as f32;
            assert_eq!(y[32 * s + l], want, "sub-block {s} element {l}");
        }
    }
}

#[test]
fn q5_k() {
    let (d, dmin) = (0.25f32, 0.5f32);
    let q = |s: usize, l: usize| ((s * 5 + l * 3) % 32) as u8;
    let mut b = h(d).to_vec();
    b.extend_from_slice(&h(dmin));
    b.extend_from_slice(&pack_k4_scales(SC, MN));
    // qh[l] bit s = 5th bit of element l of sub-block s.
    for l in 0..32 {
        b.push((0..8).map(|s| ((q(s, l) >> 4) & 1) << s).sum());
    }
    for g in 0..4 {
        for l in 0..32 {
            b.push((q(2 * g, l) & 0xF) | ((q(2 * g + 1, l) & 0xF) << 4));
        }
    }
    assert_eq!(b.len(), 176);
    let y = deq(GgmlType::Q5_K, &b, 256);
    assert_eq!(y[32 * 6 + 2], 0.25 * 50.0 * 4.0 - 0.5 * 5.0); // q = (30+6)%32 = 4 -> 47.5
    assert_eq!(y[32 * 5 + 10], 0.25 * 33.0 * 23.0 - 0.5 * 40.0); // q = (25+30)%32 = 23
    for s in 0..8 {
        for l in 0..32 {
            let want = d * SC[s] as f32 * q(s, l) as f32 - dmin * MN[s] as f32;
            assert_eq!(y[32 * s + l], want, "sub-block {s} element {l}");
        }
    }
}

#[test]
fn q6_k() {
    let d = 0.5f32;
    let sc: [i8; 16] = [1, -2, 3, -4, 5, -6, 7, -8, 9, 10, -11, 12, 127, -128, 0, 2];
    let q = |i: usize| ((i * 7 + 3) % 64) as u8;
    // Element i: half hf = i / 128, r = i % 128, quarter k = r / 32, l = r % 32.
    // Low 4 bits: ql[64hf + l + 32*(k % 2)], low nibble for k < 2, high nibble for k >= 2.
    // High 2 bits: bits 2k..2k+2 of qh[32hf + l]. Scale: sc[i / 16].
    let mut ql = [0u8; 128];
    let mut qh = [0u8; 64];
    for i in 0..256 {
        let (hf, r) = (i / 128, i % 128);
        let (k, l) = (r / 32, r % 32);
        let lo = q(i) & 0xF;
        let idx = 64 * hf + l + 32 * (k % 2);
        ql[idx] |= if k < 2 { lo } else { lo << 4 };
        qh[32 * hf + l] |= (q(i) >> 4) << (2 * k);
    }
    let mut b = ql.to_vec();
    b.extend_from_slice(&qh);
    b.extend(sc.iter().map(|&s| s as u8));
    b.extend_from_slice(&h(d));
    assert_eq!(b.len(), 210);
    let y = deq(GgmlType::Q6_K, &b, 256);
    assert_eq!(y[0], 0.5 * 1.0 * (3.0 - 32.0)); // q = 3
    assert_eq!(y[200], 0.5 * 127.0 * (((200 * 7 + 3) % 64) as f32 - 32.0)); // q = 59, scale sc[12]
    for i in 0..256 {
        let want = d * sc[i / 16] as f32 * (q(i) as f32 - 32.0);
        assert_eq!(y[i], want, "element {i}");
    }
}

#[test]
fn multi_block_and_parallel_path() {
    // Enough Q8_0 blocks to take the multi-threaded path; block k has d = 1/(k+1) ... per block.
    let n_blocks = (1 << 20) / 32 + 3;
    let mut b = Vec::with_capacity(n_blocks * 34);
    for k in 0..n_blocks {
        b.extend_from_slice(&h((k % 7) as f32));
        b.extend((0..32i32).map(|j| ((j - 16) as i8) as u8));
    }
    let y = deq(GgmlType::Q8_0, &b, n_blocks * 32);
    for k in [0, 1, 6, 7, n_blocks / 2, n_blocks - 1] {
        for j in [0, 15, 31] {
            assert_eq!(
                y[k * 32 + j],
                (k % 7) as f32 * (j as f32 - 16.0),
                "block {k} elem {j}"
            );
        }
    }
}

#[test]
fn wrong_sizes_are_errors() {
    assert!(matches!(
        dequantize_to_vec(GgmlType::Q4_K, &[0u8; 144], 128),
        Err(DequantError::NotBlockMultiple { .. })
    ));
    assert!(matches!(
        dequantize_to_vec(GgmlType::Q8_0, &[0u8; 33], 32),
        Err(DequantError::ByteCount {
            expected: 34,
            actual: 33,
            ..
        })
    ));
}

#[test]
fn quantize_q8_0_and_q4_0_by_hand() {
    // Q8_0: amax 127 -> d = 1, quants = round(x).
    let mut x = vec![0f32; 32];
    x[0] = 127.0;
    x[1] = -127.0;
    x[2] = 2.4;
    x[3] = -2.6;
    let b = quantize(GgmlType::Q8_0, &x).unwrap();
    assert_eq!(&b[0..2], &h(1.0));
    assert_eq!(b[2] as i8, 127);
    assert_eq!(b[3] as i8, -127);
    assert_eq!(b[4] as i8, 2);
    assert_eq!(b[5] as i8, -3);
    // Q4_0: the largest-magnitude value -16 maps to -8 -> d = 2; x = 6 -> 6/2 + 8.5 = 11.5 -> 11.
    let mut x = vec![0f32; 32];
    x[0] = -16.0;
    x[17] = 6.0;
    let b = quantize(GgmlType::Q4_0, &x).unwrap();
    assert_eq!(&b[0..2], &h(2.0));
    assert_eq!(b[2] & 0xF, 0); // -16 / 2 + 8.5 = 0.5 -> 0
    assert_eq!(b[3] >> 4, 11); // element 17 = high nibble of byte 1
    assert_eq!(b[2] >> 4, 8); // element 16 = 0 -> 8
    let y = deq(GgmlType::Q4_0, &b, 32);
    assert_eq!((y[0], y[16], y[17]), (-16.0, 0.0, 6.0));
}
