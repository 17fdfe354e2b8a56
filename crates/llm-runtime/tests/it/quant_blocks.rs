//! Random blocks of every ggml format (every quant bit pattern, finite scales), shared by the
//! kernel tests and the kernel benchmark (`benches/quant_kernels.rs` includes this file).

use half::{bf16, f16};
use llm_runtime::gguf::GgmlType;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Byte offsets of the f16 scales in one block, which random bytes must not make NaN or huge.
fn scale_offsets(ty: GgmlType) -> &'static [usize] {
    match ty {
        GgmlType::Q4_0 | GgmlType::Q5_0 | GgmlType::Q8_0 => &[0],
        GgmlType::Q4_1 | GgmlType::Q5_1 | GgmlType::Q4_K | GgmlType::Q5_K => &[0, 2],
        GgmlType::Q6_K => &[208],
        GgmlType::F32 | GgmlType::F16 | GgmlType::BF16 => &[],
    }
}

/// `rows` rows of `cols` elements of random blocks: every quant bit pattern, finite scales.
pub fn random_blocks(ty: GgmlType, rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let n = rows * cols;
    match ty {
        // Element formats: random finite values.
        GgmlType::F32 => (0..n)
            .flat_map(|_| rng.random_range(-2f32..2.0).to_le_bytes())
            .collect(),
        GgmlType::F16 => (0..n)
            .flat_map(|_| f16::from_f32(rng.random_range(-2f32..2.0)).to_le_bytes())
            .collect(),
        GgmlType::BF16 => (0..n)
            .flat_map(|_| bf16::from_f32(rng.random_range(-2f32..2.0)).to_le_bytes())
            .collect(),
        _ => {
            let blocks = n / ty.block_size();
            let mut bytes: Vec<u8> = (0..blocks * ty.block_bytes())
                .map(|_| rng.random())
                .collect();
            for block in bytes.chunks_exact_mut(ty.block_bytes()) {
                for &o in scale_offsets(ty) {
                    let s = f16::from_f32(rng.random_range(-0.05f32..0.05));
                    block[o..o + 2].copy_from_slice(&s.to_le_bytes());
                }
            }
            bytes
        }
    }
}
