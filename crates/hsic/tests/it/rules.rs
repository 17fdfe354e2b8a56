//! The size-fair rules of the bridge score against hand computations and the naive second
//! implementation: σ from the overlap set, equal-size bridge sets, the layer aggregations, a
//! minimum set size, and the reference code's exact rule.

use crate::naive::{max_mean, naive_sigma_from};

use hsic::*;
use overlap::{ModelShape, NeuronSet, ProbeTensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const LAYERS: usize = 8;
const NEURONS: usize = 16;
const S: usize = 24;

fn probe_data(seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..LAYERS * NEURONS * S)
        .map(|_| rng.random_range(-1.0f32..1.0))
        .collect()
}

/// `ns` in every layer of `layers`.
fn set(layers: &[usize], ns: &[usize]) -> NeuronSet {
    let shape = ModelShape::new(LAYERS, NEURONS).unwrap();
    let pairs: Vec<(usize, usize)> = layers
        .iter()
        .flat_map(|&l| ns.iter().map(move |&n| (l, n)))
        .collect();
    NeuronSet::from_pairs(shape, &pairs).unwrap()
}

fn rows(probe: &ProbeTensor<'_>, s: &NeuronSet, l: usize) -> Vec<Vec<f32>> {
    s.layer(l)
        .iter()
        .map(|&id| probe.row_by_id(id).unwrap().to_vec())
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-5 * b.abs().max(1.0)
}

fn config() -> HsicConfig {
    HsicConfig {
        threads: 1,
        ..HsicConfig::default()
    }
}

#[test]
fn sigma_from_the_overlap_is_one_per_layer_and_matches_the_naive_score() {
    let data = probe_data(3);
    let probe = ProbeTensor::new(LAYERS, NEURONS, S, &data[..]).unwrap();
    let window: Vec<usize> = (2..=4).collect();
    let overlap = set(&window, &[0, 1, 2, 3]);
    let small = set(&window, &[4, 5, 6]);
    let large = set(&window, &[7, 8, 9, 10, 11, 12, 13]);
    let cfg = HsicConfig {
        sigma: SigmaRule::Overlap,
        all_layers: true,
        ..config()
    };
    let r = rank_bridges(
        &probe,
        &overlap,
        &[("s", &small), ("l", &large)],
        None,
        &cfg,
    )
    .unwrap();
    for l in window {
        let x = rows(&probe, &overlap, l);
        let [s_entry, l_entry] = [&r.candidates[0], &r.candidates[1]].map(|c| {
            c.layers
                .iter()
                .find(|e| e.layer == l)
                .unwrap()
                .score
                .clone()
                .unwrap()
        });
        // One σ per layer, whatever the candidate's size.
        assert_eq!(s_entry.sigma, l_entry.sigma, "layer {l}");
        for (entry, bridge) in [(&s_entry, &small), (&l_entry, &large)] {
            let want = naive_sigma_from(&x, &rows(&probe, bridge, l), true);
            assert!(
                close(entry.sigma, want.sigma),
                "{} vs {}",
                entry.sigma,
                want.sigma
            );
            assert!(close(entry.score, max_mean(&want.reference)), "layer {l}");
        }
    }
    // The pooled (reference) σ differs between the two candidates.
    let pooled = rank_bridges(
        &probe,
        &overlap,
        &[("s", &small), ("l", &large)],
        None,
        &config(),
    )
    .unwrap();
    let sig = |c: usize| {
        let scored = pooled.candidates[c]
            .layers
            .iter()
            .find_map(|e| e.score.as_ref());
        scored.unwrap().sigma
    };
    assert_ne!(sig(0), sig(1));
}

#[test]
fn equal_sizes_average_the_score_over_drawn_subsets() {
    let data = probe_data(5);
    let probe = ProbeTensor::new(LAYERS, NEURONS, S, &data[..]).unwrap();
    let overlap = set(&[3], &[0, 1, 2]);
    let small = set(&[3], &[4, 5, 6]);
    let large = set(&[3], &[7, 8, 9, 10, 11]);
    let eq = EqualSizes { draws: 4, seed: 9 };
    let cfg = HsicConfig {
        equal_sizes: Some(eq),
        ..config()
    };
    let window = LayerWindow::new(3, 3, LAYERS).unwrap();
    let r = rank_bridges(
        &probe,
        &overlap,
        &[("s", &small), ("l", &large)],
        Some(window),
        &cfg,
    )
    .unwrap();
    let x = rows(&probe, &overlap, 3);
    // The small set (3 neurons) is taken whole.
    let want_small = max_mean(&naive_sigma_from(&x, &rows(&probe, &small, 3), false).reference);
    assert!(close(r.candidates[0].bridge_score.unwrap(), want_small));
    // The large one: the mean over its 4 draws of 3 of its 5 neurons (candidate 1, layer 3).
    let y = rows(&probe, &large, 3);
    let subsets = equal_size_subsets(5, 3, 4, eq.seed ^ (1u64 << 32 | 3));
    assert_eq!(subsets.len(), 4);
    assert!(
        subsets
            .iter()
            .all(|s| s.len() == 3 && s.windows(2).all(|w| w[0] < w[1]))
    );
    let want_large = subsets
        .iter()
        .map(|sub| {
            let ys: Vec<Vec<f32>> = sub.iter().map(|&i| y[i].clone()).collect();
            max_mean(&naive_sigma_from(&x, &ys, false).reference)
        })
        .sum::<f64>()
        / 4.0;
    assert!(
        close(r.candidates[1].bridge_score.unwrap(), want_large),
        "{:?} vs {want_large}",
        r.candidates[1].bridge_score
    );
    // A set no larger than the smallest is one subset: the whole set.
    assert_eq!(equal_size_subsets(3, 3, 4, 1), vec![vec![0, 1, 2]]);
}

fn entry(layer: usize, score: Option<f64>, degenerate: bool) -> LayerEntry {
    LayerEntry {
        layer,
        score: score.map(|score| LayerScore {
            score,
            sigma: 1.0,
            degenerate,
            n_overlap: 3,
            n_bridge: 3,
            engine: EngineUsed::Dense,
            truncation_bound: 0.0,
        }),
    }
}

#[test]
fn layer_aggregations_by_hand() {
    let window = LayerWindow::new(1, 4, 6).unwrap();
    // Candidate a: layers 1..4 = 2, -, 4, 6 (layer 5 outside the window: 100).
    let a = [
        entry(1, Some(2.0), false),
        entry(2, None, false),
        entry(3, Some(4.0), false),
        entry(4, Some(6.0), false),
        entry(5, Some(100.0), false),
    ];
    // Candidate b: 1, 3, 5 (collapsed, counts only when kept), 8.
    let b = [
        entry(1, Some(1.0), false),
        entry(2, Some(3.0), false),
        entry(3, Some(5.0), true),
        entry(4, Some(8.0), false),
    ];
    let cands: [&[LayerEntry]; 2] = [&a, &b];
    let run = |aggregation, keep| {
        let cfg = HsicConfig {
            aggregation,
            keep_degenerate_layers: keep,
            ..config()
        };
        bridge_scores(&cands, window, &cfg)
            .iter()
            .map(|m| (m.score.unwrap(), m.used))
            .collect::<Vec<_>>()
    };
    // Each its own layers: a (2+4+6)/3, b (1+3+8)/3 without the collapsed layer.
    assert_eq!(
        run(LayerAggregation::SkipMissing, false),
        vec![(4.0, 3), (4.0, 3)]
    );
    // Common layers (1 and 4; 3 is collapsed for b, 2 missing for a): a (2+6)/2, b (1+8)/2.
    assert_eq!(
        run(LayerAggregation::Common, false),
        vec![(4.0, 2), (4.5, 2)]
    );
    // With collapsed layers kept, layer 3 is common too: a (2+4+6)/3, b (1+5+8)/3.
    assert_eq!(
        run(LayerAggregation::Common, true),
        vec![(4.0, 3), (14.0 / 3.0, 3)]
    );
    // The reference code: every window layer, missing = 0: a (2+0+4+6)/4, b (1+3+5+8)/4.
    assert_eq!(
        run(LayerAggregation::MissingAsZero, true),
        vec![(3.0, 3), (4.25, 4)]
    );
}

#[test]
fn a_minimum_set_size_leaves_small_layers_out() {
    let data = probe_data(7);
    let probe = ProbeTensor::new(LAYERS, NEURONS, S, &data[..]).unwrap();
    let overlap = set(&[2, 3, 4], &[0, 1, 2, 3]);
    // Two neurons in layers 2 and 3, four in layer 4.
    let shape = ModelShape::new(LAYERS, NEURONS).unwrap();
    let bridge = NeuronSet::from_pairs(
        shape,
        &[
            (2, 4),
            (2, 5),
            (3, 6),
            (3, 7),
            (4, 8),
            (4, 9),
            (4, 10),
            (4, 11),
        ],
    )
    .unwrap();
    let window = LayerWindow::new(2, 4, LAYERS).unwrap();
    let cfg = HsicConfig {
        min_set_size: 3,
        ..config()
    };
    let r = rank_bridges(&probe, &overlap, &[("b", &bridge)], Some(window), &cfg).unwrap();
    let scored: Vec<usize> = r.candidates[0]
        .layers
        .iter()
        .filter(|e| e.score.is_some())
        .map(|e| e.layer)
        .collect();
    assert_eq!(scored, vec![4]);
    let want = max_mean(
        &naive_sigma_from(&rows(&probe, &overlap, 4), &rows(&probe, &bridge, 4), false).reference,
    );
    assert!(close(r.candidates[0].bridge_score.unwrap(), want));
}

#[test]
fn the_reference_rule_is_the_reference_codes_mean() {
    let cfg = HsicConfig {
        all_layers: true,
        ..HsicConfig::default()
    }
    .reference_rule();
    assert_eq!(cfg.aggregation, LayerAggregation::MissingAsZero);
    assert_eq!(cfg.sigma, SigmaRule::Pooled);
    assert!(cfg.keep_degenerate_layers && cfg.equal_sizes.is_none());
    assert!(cfg.all_layers, "settings other than the rule are kept");
}
