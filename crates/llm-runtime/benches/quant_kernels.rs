//! The compact-weight kernels (`llm_runtime::quant`) against the dense f32 product they replace,
//! on the default model's decode shapes: every block format at `[2048, 640]` (an MLP projection)
//! for 1, 4, 16 and 64 input rows (one decode step of that many rows), the K-quants at
//! `[640, 2048]`, and the Q8_0 output head `[262144, 640]` for 1 and 16 rows.
//! `cargo bench -p llm-runtime --bench quant_kernels`

use burn::tensor::{Device, Distribution, Tensor};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use llm_runtime::gguf::GgmlType;
use llm_runtime::quant::QuantMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[path = "../tests/it/quant_blocks.rs"]
mod quant_blocks;
use quant_blocks::random_blocks;

fn inputs(n: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-1f32..1.0)).collect()
}

fn matrix(ty: GgmlType, rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> QuantMatrix {
    QuantMatrix::new(ty, rows, cols, random_blocks(ty, rows, cols, rng)).unwrap()
}

fn formats(c: &mut Criterion) {
    let rng = &mut ChaCha8Rng::seed_from_u64(1);
    let (rows, cols) = (2048, 640);
    let mut g = c.benchmark_group("matmul_t [2048,640]");
    for n in [1usize, 4, 16, 64] {
        let x = inputs(n * cols, rng);
        g.throughput(Throughput::Elements((rows * cols) as u64));
        for ty in [
            GgmlType::Q4_0,
            GgmlType::Q4_1,
            GgmlType::Q5_0,
            GgmlType::Q5_1,
            GgmlType::Q8_0,
            GgmlType::F16,
            GgmlType::BF16,
        ] {
            let m = matrix(ty, rows, cols, rng);
            g.bench_with_input(BenchmarkId::new(format!("{ty}"), n), &x, |b, x| {
                b.iter(|| m.matmul_t(x, n))
            });
        }
        // The dense f32 product of today's decoding path, for the ratio.
        let dev = Device::flex();
        let wt = Tensor::<2>::random([rows, cols], Distribution::Default, &dev);
        let xt = Tensor::<2>::random([n, cols], Distribution::Default, &dev);
        g.bench_function(BenchmarkId::new("dense f32 (burn)", n), |b| {
            b.iter(|| wt.clone().matmul(xt.clone().transpose()).into_data())
        });
    }
    g.finish();

    // The K-quants need 256-element rows: the down projection's input side is 2048.
    let (rows, cols) = (640, 2048);
    let mut g = c.benchmark_group("matmul_t [640,2048]");
    g.throughput(Throughput::Elements((rows * cols) as u64));
    for ty in [GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K] {
        let m = matrix(ty, rows, cols, rng);
        for n in [1usize, 16] {
            let x = inputs(n * cols, rng);
            g.bench_with_input(BenchmarkId::new(format!("{ty}"), n), &x, |b, x| {
                b.iter(|| m.matmul_t(x, n))
            });
        }
    }
    g.finish();
}

fn output_head(c: &mut Criterion) {
    let rng = &mut ChaCha8Rng::seed_from_u64(2);
    let (rows, cols) = (262_144, 640);
    let m = matrix(GgmlType::Q8_0, rows, cols, rng);
    let mut g = c.benchmark_group("output head Q8_0 [262144,640]");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(m.bytes() as u64));
    for n in [1usize, 16] {
        let x = inputs(n * cols, rng);
        g.bench_function(format!("{n} row{}", if n == 1 { "" } else { "s" }), |b| {
            b.iter(|| m.matmul_t(&x, n))
        });
    }
    g.finish();
}

criterion_group!(benches, formats, output_head);
criterion_main!(benches);
