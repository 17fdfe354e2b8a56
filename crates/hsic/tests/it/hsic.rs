//! Tests against hand computations and the naive implementation in `naive.rs`.

use crate::naive;

use hsic::*;
use naive::{lower_median, max_mean, naive};
use overlap::{ModelShape, NeuronSet, ProbeTensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn flat(rows: &[Vec<f32>]) -> Vec<f32> {
    rows.iter().flatten().copied().collect()
}

fn gaussian(rng: &mut ChaCha8Rng) -> f32 {
    // Box–Muller.
    let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
    ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
}

/// Hand case, S = 3. X rows (-1, 0, 1), (-1, 1, 0), (0, -1, 1) and Y row (1, -1, 0) are
/// permutations of (-1, 0, 1), so z-scoring only divides by (1 + 1e-6). Distances within X:
/// sqrt2, sqrt2, sqrt6; Y has none. The 10 cdist entries sorted are 0,0,0,0,√2,√2,√2,√2,√6,√6,
/// the lower median (5th) is √2, so σ ≈ √2 and every Gram entry is exp(-(v_a - v_b)^2 / 4):
/// p = e^{-1/4} for a difference of 1, q = e^{-1} for 2.
///
/// tr(K H L) = <K, L> - (K1)·(L1) / 3 (K, L symmetric). For X row 1 (its difference-2 pair is
/// (0, 2), Y's is (0, 1)): <K, L> = 3 + 4pq + 2p², K1 = (1+p+q, 1+2p, 1+p+q),
/// L1 = (1+p+q, 1+p+q, 1+2p), so M_1 = 3 + 4pq + 2p² - [(1+p+q)² + 2(1+2p)(1+p+q)]/3
/// = 0.16276670946005023; row 3 gives the same. Row 2 has Y's Gram matrix:
/// M_2 = 3 + 2q² + 4p² - [2(1+p+q)² + (1+2p)²]/3 = 0.4441939581748269.
/// Score = ½((2 M_1 + M_2)/3 + M_2).
///
/// Standard: tr(KHLH) = <K,L> - 2(K1)·(L1)/3 + (1ᵀK1)(1ᵀL1)/9, over (S-1)² = 4, gives
/// 0.04538213151025894 and 0.10166758125321396; CKA gives 0.44637760582923575 and 1.
#[test]
fn hand_case_s3() {
    let x = [-1.0f32, 0.0, 1.0, -1.0, 1.0, 0.0, 0.0, -1.0, 1.0];
    let y = [1.0f32, -1.0, 0.0];
    let (m1, m2) = (0.16276670946005023, 0.4441939581748269);
    let cases = [
        (ScoreKind::Reference, m1, m2),
        (
            ScoreKind::Standard,
            0.04538213151025894,
            0.10166758125321396,
        ),
        (ScoreKind::Cka, 0.44637760582923575, 1.0),
    ];
    for engine in [Engine::Dense, Engine::default()] {
        for (kind, a, b) in cases {
            let pm = pair_matrix(&x, 3, &y, 1, 3, kind, engine).unwrap();
            let rel = |got: f64, want: f64| ((got - want) / want).abs();
            // The 1e-6 terms of z-scoring and σ move values by ~1e-6 relative.
            assert!(
                (pm.layer.sigma - 2f64.sqrt()).abs() < 1e-5,
                "{}",
                pm.layer.sigma
            );
            assert!(
                rel(pm.m[0], a) < 1e-5 && rel(pm.m[2], a) < 1e-5,
                "{kind:?} {engine:?} {:?}",
                pm.m
            );
            assert!(rel(pm.m[1], b) < 1e-5, "{kind:?} {engine:?} {:?}", pm.m);
            let want = 0.5 * ((2.0 * a + b) / 3.0 + b);
            assert!(rel(pm.layer.score, want) < 1e-5, "{kind:?} {engine:?}");
        }
    }
}

/// With one row per side, σ is the lower median of {0, 0} plus 1e-6, so K = L = I (to the last
/// bit: exp(-1/(2e-12)) = 0) and tr(I H I) = tr(H) = S - 1.
#[test]
fn degenerate_bandwidth_gives_trace_of_h() {
    let x = [0.5f32, 2.0, -1.0, 3.0];
    let y = [1.0f32, 0.0, 2.0, 7.0];
    let r = layer_score(&x, 1, &y, 1, 4, ScoreKind::Reference, Engine::default()).unwrap();
    assert_eq!(r.sigma, 1e-6);
    assert_eq!(r.engine, EngineUsed::Dense); // the series declines, Auto falls back
    assert!((r.score - 3.0).abs() < 1e-6);
    let c = layer_score(&x, 1, &y, 1, 4, ScoreKind::Cka, Engine::Dense).unwrap();
    assert!((c.score - 1.0).abs() < 1e-6);
    assert!(matches!(
        layer_score(
            &x,
            1,
            &y,
            1,
            4,
            ScoreKind::Reference,
            Engine::Series { tol: 1e-7 }
        ),
        Err(HsicError::SeriesNotApplicable { .. })
    ));
}

/// torch.median of an even count is the lower middle value, not the mean of the two.
#[test]
fn sigma_is_lower_median() {
    // n1 = 4, n2 = 2: 16 + 4 = 20 cdist entries, 6 zeros, off-diagonal ones twice. The 10th
    // smallest is the lower median; the 11th would be the upper one.
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let s = 9;
    let x: Vec<Vec<f32>> = (0..4)
        .map(|_| (0..s).map(|_| gaussian(&mut rng)).collect())
        .collect();
    let y: Vec<Vec<f32>> = (0..2)
        .map(|_| (0..s).map(|_| gaussian(&mut rng)).collect())
        .collect();
    let got = layer_score(
        &flat(&x),
        4,
        &flat(&y),
        2,
        s,
        ScoreKind::Reference,
        Engine::Dense,
    )
    .unwrap()
    .sigma;
    let want = naive(&x, &y).sigma;
    assert!((got - want).abs() < 1e-9 * want, "{got} vs {want}");
    // And it is not the numpy median (mean of the two middle values), for this data.
    assert_eq!(lower_median(vec![1.0, 4.0, 2.0, 3.0]), 2.0);
}

/// The Y side's distances come from an f32 Gram matrix with an error bound and are refined in
/// f64 near the median; nearly equal rows go the direct way. σ must equal the naive f64 value.
#[test]
fn sigma_exact_through_f32_distances() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let s = 64;
    let x: Vec<Vec<f32>> = (0..5)
        .map(|_| (0..s).map(|_| gaussian(&mut rng)).collect())
        .collect();
    let mut y: Vec<Vec<f32>> = Vec::new();
    for j in 0..40 {
        let row: Vec<f32> = match j % 4 {
            // exact duplicate of the previous row (distance 0 after z-scoring)
            1 => y[j - 1].clone(),
            // near duplicate: relative perturbation 1e-4
            2 => y[j - 2]
                .iter()
                .map(|v| v * (1.0 + 1e-4 * gaussian(&mut rng)))
                .collect(),
            _ => (0..s).map(|_| gaussian(&mut rng)).collect(),
        };
        y.push(row);
    }
    let got = layer_score(
        &flat(&x),
        5,
        &flat(&y),
        40,
        s,
        ScoreKind::Reference,
        Engine::default(),
    )
    .unwrap()
    .sigma;
    let want = naive(&x, &y).sigma;
    assert!((got - want).abs() <= 1e-11 * want, "{got} vs {want}");
    // Many equal distances around the median (rows that are permutations of one another).
    let base: Vec<f32> = (0..s).map(|k| k as f32).collect();
    let y: Vec<Vec<f32>> = (0..30)
        .map(|j| {
            let mut r = base.clone();
            r.swap(j % s, (j * 7 + 3) % s);
            r
        })
        .collect();
    let got = layer_score(
        &flat(&x),
        5,
        &flat(&y),
        30,
        s,
        ScoreKind::Reference,
        Engine::default(),
    )
    .unwrap()
    .sigma;
    let want = naive(&x, &y).sigma;
    assert!((got - want).abs() <= 1e-11 * want, "{got} vs {want}");
}

fn dataset(
    kind: usize,
    n1: usize,
    n2: usize,
    s: usize,
    rng: &mut ChaCha8Rng,
) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let mut row =
        |f: &mut dyn FnMut(&mut ChaCha8Rng) -> f32| (0..s).map(|_| f(rng)).collect::<Vec<f32>>();
    let x: Vec<Vec<f32>> = (0..n1)
        .map(|i| match kind {
            // Heavy tails: cubes of Gaussians, a few samples far out.
            1 => row(&mut |r| gaussian(r).powi(3)),
            // Activation-like: rectified, many exact zeros, one constant row.
            2 if i == 0 => vec![0.25; s],
            2 => row(&mut |r| gaussian(r).max(0.0) * 2.0),
            _ => row(&mut |r| gaussian(r)),
        })
        .collect();
    let y: Vec<Vec<f32>> = (0..n2)
        .map(|j| {
            let base = &x[j % n1];
            (0..s).map(|k| 0.6 * base[k] + gaussian(rng)).collect()
        })
        .collect();
    (x, y)
}

#[test]
fn matches_naive_double_loop_on_random_data() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    for (case, &(kind, n1, n2, s)) in [(0, 7, 5, 24), (1, 9, 6, 40), (2, 6, 8, 33), (0, 12, 10, 48)]
        .iter()
        .enumerate()
    {
        let (x, y) = dataset(kind, n1, n2, s, &mut rng);
        let nv = naive(&x, &y);
        for score_kind in [ScoreKind::Reference, ScoreKind::Standard, ScoreKind::Cka] {
            let want = match score_kind {
                ScoreKind::Reference => &nv.reference,
                ScoreKind::Standard => &nv.standard,
                ScoreKind::Cka => &nv.cka,
            };
            let scale = want.iter().flatten().fold(0f64, |a, v| a.max(v.abs()));
            for engine in [Engine::Dense, Engine::default()] {
                let pm = pair_matrix(&flat(&x), n1, &flat(&y), n2, s, score_kind, engine).unwrap();
                assert!((pm.layer.sigma - nv.sigma).abs() < 1e-9 * nv.sigma);
                for (i, want_row) in want.iter().enumerate() {
                    for (j, &w) in want_row.iter().enumerate() {
                        let g = pm.m[i * n2 + j];
                        assert!(
                            (g - w).abs() <= 1e-4 * scale,
                            "case {case} {score_kind:?} {engine:?} M[{i}][{j}] = {g}, naive {w}, scale {scale}"
                        );
                    }
                }
                let (g, w) = (pm.layer.score, max_mean(want));
                assert!(
                    (g - w).abs() <= 1e-4 * w.abs(),
                    "case {case} {score_kind:?} {engine:?}: {g} vs {w}"
                );
            }
        }
    }
}

#[test]
fn series_error_within_certified_bound() {
    // Realistic proportions: S = 200, heavy tails; the series must agree with the dense engine
    // to its certified bound plus f32 rounding of the products.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (x, y) = dataset(1, 20, 16, 200, &mut rng);
    for kind in [ScoreKind::Reference, ScoreKind::Standard, ScoreKind::Cka] {
        let d = pair_matrix(&flat(&x), 20, &flat(&y), 16, 200, kind, Engine::Dense).unwrap();
        let s = pair_matrix(
            &flat(&x),
            20,
            &flat(&y),
            16,
            200,
            kind,
            Engine::Series { tol: 1e-7 },
        )
        .unwrap();
        assert!(matches!(s.layer.engine, EngineUsed::Series { .. }));
        let scale = d.m.iter().fold(0f64, |a, v| a.max(v.abs()));
        let worst =
            d.m.iter()
                .zip(&s.m)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
        assert!(
            worst <= s.layer.truncation_bound + 2e-5 * scale,
            "{kind:?}: {worst} vs bound {}",
            s.layer.truncation_bound
        );
        assert!(
            s.layer.truncation_bound <= 1e-6 * scale,
            "{kind:?}: bound {} scale {scale}",
            s.layer.truncation_bound
        );
        // A loose tolerance keeps fewer blocks and must still honour its (larger) bound.
        let l = pair_matrix(
            &flat(&x),
            20,
            &flat(&y),
            16,
            200,
            kind,
            Engine::Series { tol: 1e-2 },
        )
        .unwrap();
        let worst =
            d.m.iter()
                .zip(&l.m)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
        assert!(
            worst <= l.layer.truncation_bound + 2e-5 * scale,
            "{kind:?} loose: {worst} vs {}",
            l.layer.truncation_bound
        );
    }
}

/// The reference peer's own input (its seed-0 generator, exported from PyTorch) and its score:
/// ours must match the float64 NumPy rerun of the reference algorithm closely, and the peer's
/// float32 score to within its own rounding.
#[test]
fn matches_reference_peer_on_its_own_input() {
    #[derive(serde::Deserialize)]
    struct Fixture {
        #[serde(rename = "S")]
        s: usize,
        n1: usize,
        n2: usize,
        peer_torch_f32_score: f64,
        numpy_f64_score: f64,
        #[serde(rename = "X")]
        x: Vec<Vec<f32>>,
        #[serde(rename = "Y")]
        y: Vec<Vec<f32>>,
    }
    let f: Fixture =
        serde_json::from_str(include_str!("../fixtures/peer_case_40_12_9.json")).unwrap();
    assert_eq!((f.x.len(), f.y.len()), (f.n1, f.n2));
    for engine in [Engine::default(), Engine::Dense] {
        let got = layer_score(
            &flat(&f.x),
            f.n1,
            &flat(&f.y),
            f.n2,
            f.s,
            ScoreKind::Reference,
            engine,
        )
        .unwrap()
        .score;
        let rel = |want: f64| ((got - want) / want).abs();
        assert!(
            rel(f.numpy_f64_score) < 1e-6,
            "{engine:?}: {got} vs numpy f64 {}",
            f.numpy_f64_score
        );
        assert!(
            rel(f.peer_torch_f32_score) < 1e-5,
            "{engine:?}: {got} vs peer {}",
            f.peer_torch_f32_score
        );
    }
    // And the naive implementation agrees with the NumPy one.
    let nv = naive(&f.x, &f.y);
    assert!((max_mean(&nv.reference) - f.numpy_f64_score).abs() < 1e-12);
}

#[test]
fn windows_scale_with_depth() {
    let w = LayerWindow::default_for(32).unwrap();
    assert_eq!((w.first, w.last), (10, 21));
    let w = LayerWindow::default_for(18).unwrap(); // gemma3-270m
    assert_eq!((w.first, w.last), (6, 11));
    // 0.3125 * 28 = 8.75 -> 9; 0.6875 * 28 = 19.25 -> 19 - 1 = 18.
    let w = LayerWindow::default_for(28).unwrap();
    assert_eq!((w.first, w.last), (9, 18));
    // Half-up at 0.3125 * 8 = 2.5 -> 3 and 0.6875 * 8 = 5.5 -> 6 - 1 = 5.
    let w = LayerWindow::default_for(8).unwrap();
    assert_eq!((w.first, w.last), (3, 5));
    for layers in 1..4 {
        let w = LayerWindow::default_for(layers).unwrap();
        assert!(w.first <= w.last && w.last < layers, "{layers}: {w:?}");
    }
    assert!(LayerWindow::default_for(0).is_err());
    assert!(LayerWindow::new(3, 2, 10).is_err());
    assert!(LayerWindow::new(3, 10, 10).is_err());
}

/// 8 layers (window 3..=5). The overlap set has no neuron in layer 3 and candidate "a" none in
/// layer 5, so "a" scores only layer 4; "b" scores 4 and 5. Labels must follow true layers.
#[test]
fn empty_layers_are_skipped_with_true_labels() {
    let (layers, neurons, s) = (8, 10, 30);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let data: Vec<f32> = (0..layers * neurons * s)
        .map(|_| gaussian(&mut rng))
        .collect();
    let probe = ProbeTensor::new(layers, neurons, s, &data[..]).unwrap();
    let shape = ModelShape::new(layers, neurons).unwrap();
    let pairs = |f: &dyn Fn(usize) -> bool, ns: &[usize]| {
        let v: Vec<(usize, usize)> = (0..layers)
            .filter(|&l| f(l))
            .flat_map(|l| ns.iter().map(move |&n| (l, n)))
            .collect();
        NeuronSet::from_pairs(shape, &v).unwrap()
    };
    let overlap = pairs(&|l| l != 3, &[0, 1, 2]);
    let a = pairs(&|l| l != 5, &[3, 4]);
    let b = pairs(&|_| true, &[5, 6, 7, 8]);
    let config = HsicConfig {
        threads: 2,
        ..HsicConfig::default()
    };
    let r = rank_bridges(&probe, &overlap, &[("a", &a), ("b", &b)], None, &config).unwrap();
    assert_eq!((r.window.first, r.window.last), (3, 5));
    let ca = &r.candidates[0];
    assert_eq!(
        ca.layers.iter().map(|e| e.layer).collect::<Vec<_>>(),
        vec![3, 4, 5]
    );
    assert_eq!(
        ca.layers
            .iter()
            .map(|e| e.score.is_some())
            .collect::<Vec<_>>(),
        vec![false, true, false]
    );
    assert_eq!(ca.layers_used, 1);
    // Independent per-layer computation.
    let layer = |set: &NeuronSet, l: usize| {
        let rows = |ids: &[u32]| {
            ids.iter()
                .flat_map(|&id| probe.row_by_id(id).unwrap().to_vec())
                .collect::<Vec<f32>>()
        };
        let (x, y) = (rows(overlap.layer(l)), rows(set.layer(l)));
        layer_score(
            &x,
            x.len() / s,
            &y,
            y.len() / s,
            s,
            ScoreKind::Reference,
            Engine::default(),
        )
        .unwrap()
        .score
    };
    assert_eq!(ca.bridge_score, Some(layer(&a, 4)));
    let cb = &r.candidates[1];
    assert_eq!(cb.layers_used, 2);
    let want = (layer(&b, 4) + layer(&b, 5)) / 2.0;
    assert!((cb.bridge_score.unwrap() - want).abs() <= 1e-12 * want.abs());
    // All layers: every layer labelled, layer 3 empty for both.
    let all = rank_bridges(
        &probe,
        &overlap,
        &[("a", &a), ("b", &b)],
        None,
        &HsicConfig {
            all_layers: true,
            ..config
        },
    )
    .unwrap();
    assert_eq!(
        all.candidates[0]
            .layers
            .iter()
            .map(|e| e.layer)
            .collect::<Vec<_>>(),
        (0..8).collect::<Vec<_>>()
    );
    assert!(
        all.candidates[1].layers[3].score.is_none() && all.candidates[1].layers[2].score.is_some()
    );
    assert_eq!(all.candidates[1].bridge_score, cb.bridge_score); // the window alone counts
    // A candidate with no neuron in the window ranks last and is never chosen.
    let none = pairs(&|l| l < 2, &[9]);
    let r = rank_bridges(&probe, &overlap, &[("n", &none), ("a", &a)], None, &config).unwrap();
    assert_eq!(r.ranking, vec!["a", "n"]);
    assert_eq!(r.chosen.as_deref(), Some("a"));
    let r = rank_bridges(&probe, &overlap, &[("n", &none)], None, &config).unwrap();
    assert_eq!(r.chosen, None);
    assert!(rank_bridges(&probe, &overlap, &[("a", &a), ("a", &b)], None, &config).is_err());
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<BridgeRanking>(&json).unwrap(), r);
}

#[test]
fn coupled_candidate_wins() {
    // Overlap rows driven by a latent signal; candidate "c" shares it, "u" does not.
    let (layers, neurons, s) = (18, 40, 60);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let latent: Vec<f32> = (0..s).map(|_| gaussian(&mut rng)).collect();
    let mut data = vec![0f32; layers * neurons * s];
    for l in 0..layers {
        for n in 0..neurons {
            let coupled = n < 20;
            for k in 0..s {
                let v = if coupled {
                    latent[k] + 0.5 * gaussian(&mut rng)
                } else {
                    gaussian(&mut rng)
                };
                data[(l * neurons + n) * s + k] = v;
            }
        }
    }
    let probe = ProbeTensor::new(layers, neurons, s, data).unwrap();
    let shape = probe.shape();
    let set = |ns: std::ops::Range<usize>| {
        let v: Vec<(usize, usize)> = (0..layers)
            .flat_map(|l| ns.clone().map(move |n| (l, n)))
            .collect();
        NeuronSet::from_pairs(shape, &v).unwrap()
    };
    let (o, c, u) = (set(0..8), set(8..16), set(24..32));
    for kind in [ScoreKind::Reference, ScoreKind::Standard, ScoreKind::Cka] {
        let config = HsicConfig {
            kind,
            ..HsicConfig::default()
        };
        let r = rank_bridges(&probe, &o, &[("u", &u), ("c", &c)], None, &config).unwrap();
        assert_eq!(r.chosen.as_deref(), Some("c"), "{kind:?}");
        assert_eq!(r.candidates[0].layers.len(), 6); // window 6..=11 of 18
    }
}

#[test]
fn bad_input_is_a_typed_error() {
    assert!(
        layer_score(
            &[1.0; 6],
            2,
            &[1.0; 3],
            1,
            3,
            ScoreKind::Reference,
            Engine::Dense
        )
        .is_ok()
    );
    assert!(matches!(
        layer_score(
            &[1.0; 5],
            2,
            &[1.0; 3],
            1,
            3,
            ScoreKind::Reference,
            Engine::Dense
        ),
        Err(HsicError::Length { .. })
    ));
    assert!(matches!(
        layer_score(
            &[1.0; 2],
            2,
            &[1.0; 1],
            1,
            1,
            ScoreKind::Reference,
            Engine::Dense
        ),
        Err(HsicError::TooSmall { .. })
    ));
    let mut x = [1.0f32; 6];
    x[4] = f32::INFINITY;
    let e = layer_score(&x, 2, &[1.0; 3], 1, 3, ScoreKind::Reference, Engine::Dense).unwrap_err();
    assert!(e.to_string().contains("row 1, sample 1"), "{e}");
    let e = layer_score(
        &[1.0; 6],
        2,
        &[1.0; 3],
        1,
        3,
        ScoreKind::Reference,
        Engine::Auto { tol: 0.0 },
    )
    .unwrap_err();
    assert!(matches!(e, HsicError::BadParameter { name: "tol", .. }));
}

/// With two neurons per set the self-distances (zeros) are half of the distances, the lower
/// median is 0 and σ sits at its 1e-6 floor: every Gram matrix is the identity and the reference
/// score is tr(H) = S - 1 whatever the rows. Such a layer is flagged and, by default, left out
/// of the bridge score; `keep_degenerate_layers` restores the reference code's mean.
#[test]
fn collapsed_bandwidth_layers_are_flagged_and_skipped() {
    let (layers, neurons, s) = (8, 12, 25);
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let data: Vec<f32> = (0..layers * neurons * s)
        .map(|_| gaussian(&mut rng))
        .collect();
    let probe = ProbeTensor::new(layers, neurons, s, &data[..]).unwrap();
    let shape = ModelShape::new(layers, neurons).unwrap();
    // Window 3..=5; layer 4 has two neurons per set, layers 3 and 5 have four.
    let set = |first: usize| {
        let v: Vec<(usize, usize)> = (3..=5)
            .flat_map(|l| {
                let n = if l == 4 { 2 } else { 4 };
                (first..first + n).map(move |k| (l, k))
            })
            .collect();
        NeuronSet::from_pairs(shape, &v).unwrap()
    };
    let (overlap, cand) = (set(0), set(6));
    let config = HsicConfig::default();
    let r = rank_bridges(&probe, &overlap, &[("c", &cand)], None, &config).unwrap();
    let c = &r.candidates[0];
    let by_layer = |l: usize| c.layers.iter().find(|e| e.layer == l).unwrap();
    let collapsed = by_layer(4).score.as_ref().unwrap();
    assert!(collapsed.degenerate);
    assert_eq!(collapsed.sigma, 1e-6);
    // The dense engine accumulates in f32: about 1e-6 relative.
    assert!(
        (collapsed.score - (s as f64 - 1.0)).abs() < 1e-4,
        "{}",
        collapsed.score
    );
    let (l3, l5) = (
        by_layer(3).score.as_ref().unwrap(),
        by_layer(5).score.as_ref().unwrap(),
    );
    assert!(!l3.degenerate && !l5.degenerate);
    assert!(l3.sigma > 0.1);
    assert_eq!((c.layers_used, c.degenerate_skipped), (2, 1));
    let want = (l3.score + l5.score) / 2.0;
    assert!((c.bridge_score.unwrap() - want).abs() <= 1e-12 * want);
    let kept = rank_bridges(
        &probe,
        &overlap,
        &[("c", &cand)],
        None,
        &HsicConfig {
            keep_degenerate_layers: true,
            ..config
        },
    )
    .unwrap();
    let k = &kept.candidates[0];
    assert_eq!((k.layers_used, k.degenerate_skipped), (3, 0));
    let want = (l3.score + l5.score + (s as f64 - 1.0)) / 3.0;
    assert!((k.bridge_score.unwrap() - want).abs() <= 1e-6 * want);
}
