//! The compact-weight kernels against the plain path: for random blocks of every format, the
//! fused decode-and-multiply equals dequantising the whole matrix and multiplying naively (in
//! f64), up to f32 summation order.

use llm_runtime::gguf::{GgmlType, dequantize_to_vec};
use llm_runtime::quant::QuantMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::quant_blocks::random_blocks;

#[test]
fn the_fused_product_equals_dequantise_then_multiply_for_every_format() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for ty in GgmlType::ALL {
        // 37 rows: tasks of 16 rows and a short last one. Columns: 3 K-quant super-blocks;
        // 19 blocks for the 32-element formats; for the element formats a multiple of 32 (the
        // block path) and an odd length (runs with a short last one).
        let widths: &[usize] = match ty.block_size() {
            1 => &[320, 333],
            32 => &[608],
            _ => &[768],
        };
        for &cols in widths {
            let rows = 37;
            let bytes = random_blocks(ty, rows, cols, &mut rng);
            let w = dequantize_to_vec(ty, &bytes, rows * cols).unwrap();
            let m = QuantMatrix::new(ty, rows, cols, bytes).unwrap();
            assert_eq!(m.dequantize(), w, "{ty}: dequantize is the loader's");
            for n in [1, 3, 17, 32] {
                let x: Vec<f32> = (0..n * cols)
                    .map(|_| rng.random_range(-1f32..1.0))
                    .collect();
                let y = m.matmul_t(&x, n);
                assert_eq!(y.len(), n * rows);
                for i in 0..n {
                    for r in 0..rows {
                        let terms =
                            (0..cols).map(|j| x[i * cols + j] as f64 * w[r * cols + j] as f64);
                        let (exact, size) =
                            terms.fold((0f64, 0f64), |(s, a), t| (s + t, a + t.abs()));
                        let got = y[i * rows + r] as f64;
                        assert!(
                            (got - exact).abs() <= 1e-5 * size + 1e-30,
                            "{ty} n={n} row {r} input {i}: {got} vs {exact} (sum |terms| {size})"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn gathered_rows_are_the_dequantised_rows() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let (rows, cols) = (10, 512);
    for ty in [
        GgmlType::Q8_0,
        GgmlType::Q4_K,
        GgmlType::Q6_K,
        GgmlType::BF16,
    ] {
        let bytes = random_blocks(ty, rows, cols, &mut rng);
        let w = dequantize_to_vec(ty, &bytes, rows * cols).unwrap();
        let m = QuantMatrix::new(ty, rows, cols, bytes).unwrap();
        let got = m.gather_rows(&[9, 0, 9, 4]);
        let want: Vec<f32> = [9, 0, 9, 4]
            .iter()
            .flat_map(|&r| w[r * cols..(r + 1) * cols].to_vec())
            .collect();
        assert_eq!(got, want, "{ty}");
    }
}

#[test]
fn a_matrix_that_does_not_fit_its_bytes_is_refused() {
    let e = QuantMatrix::new(GgmlType::Q4_K, 2, 100, vec![0u8; 288]).unwrap_err();
    assert!(e.to_string().contains("whole 256-element blocks"), "{e}");
    let e = QuantMatrix::new(GgmlType::Q8_0, 2, 64, vec![0u8; 135]).unwrap_err();
    assert!(e.to_string().contains("takes 136 bytes, got 135"), "{e}");
}
