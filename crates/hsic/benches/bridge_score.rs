//! The TARGETS.md workload: one language pair = 6 candidates x 12 window layers, 500 probe
//! samples, 300 neurons in the overlap set and in every bridge set per layer.
//!
//! `cargo bench -p hsic --bench bridge_score` (add `-- pair` for the headline figure only).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hsic::{Engine, HsicConfig, ScoreKind, layer_score, rank_bridges};
use overlap::{ModelShape, NeuronSet, ProbeTensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const LAYERS: usize = 32; // window 10..=21: 12 layers
const SET: usize = 300;
const CANDIDATES: usize = 6;
const SAMPLES: usize = 500;
const NEURONS: usize = SET * (CANDIDATES + 1);

fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
    ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
}

/// Probe rows with structure like real ones: every neuron mixes a few shared latent prompt
/// factors with its own noise, candidate k more strongly coupled to the overlap neurons' factors
/// the smaller k is.
fn probe() -> ProbeTensor<'static> {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let factors: Vec<Vec<f32>> = (0..4)
        .map(|_| (0..SAMPLES).map(|_| gaussian(&mut rng)).collect())
        .collect();
    let mut data = vec![0f32; LAYERS * NEURONS * SAMPLES];
    for (row_index, row) in data.chunks_exact_mut(SAMPLES).enumerate() {
        let group = (row_index % NEURONS) / SET; // 0 = overlap, 1..=6 = candidates
        let coupling = if group == 0 { 0.8 } else { 0.6 / group as f32 };
        let f = &factors[row_index % factors.len()];
        for (k, v) in row.iter_mut().enumerate() {
            *v = coupling * f[k] + gaussian(&mut rng);
        }
    }
    ProbeTensor::new(LAYERS, NEURONS, SAMPLES, data).expect("valid probe")
}

fn group_set(shape: ModelShape, group: usize) -> NeuronSet {
    let pairs: Vec<(usize, usize)> = (0..LAYERS)
        .flat_map(|l| (group * SET..(group + 1) * SET).map(move |n| (l, n)))
        .collect();
    NeuronSet::from_pairs(shape, &pairs).expect("valid set")
}

fn bench(c: &mut Criterion) {
    let probe = probe();
    let shape = probe.shape();
    let overlap = group_set(shape, 0);
    let sets: Vec<NeuronSet> = (1..=CANDIDATES).map(|g| group_set(shape, g)).collect();
    let names = ["en", "de", "fr", "it", "pt", "es"];
    let candidates: Vec<(&str, &NeuronSet)> = names.iter().copied().zip(sets.iter()).collect();

    let mut pair = c.benchmark_group("pair");
    pair.sample_size(10);
    for (label, threads) in [("6x12_all_cores", 0), ("6x12_one_thread", 1)] {
        let config = HsicConfig {
            threads,
            ..HsicConfig::default()
        };
        pair.bench_function(label, |b| {
            b.iter(|| {
                black_box(
                    rank_bridges(&probe, &overlap, &candidates, None, &config).expect("ranking"),
                )
            })
        });
    }
    pair.finish();

    // One layer, 300 x 300 neurons: the series engine against the dense (every Gram entry) one.
    let rows = |set: &NeuronSet| -> Vec<f32> {
        set.layer(15)
            .iter()
            .flat_map(|&id| probe.row_by_id(id).expect("row").to_vec())
            .collect()
    };
    let (x, y) = (rows(&overlap), rows(&sets[0]));
    let mut layer = c.benchmark_group("layer");
    layer.sample_size(10);
    for (label, engine) in [("series", Engine::default()), ("dense", Engine::Dense)] {
        layer.bench_function(label, |b| {
            b.iter(|| {
                black_box(
                    layer_score(&x, SET, &y, SET, SAMPLES, ScoreKind::Reference, engine)
                        .expect("score"),
                )
            })
        });
    }
    layer.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
