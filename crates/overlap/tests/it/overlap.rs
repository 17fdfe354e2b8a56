//! Tests against hand computations and naive second implementations.

use std::collections::BTreeSet;

use overlap::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn shape(l: usize, n: usize) -> ModelShape {
    ModelShape::new(l, n).unwrap()
}

#[test]
fn quantile_matches_hand_and_numpy() {
    // sorted: [1, 1, 2, 3, 4, 5, 6, 9], n = 8, h = 7q.
    let v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
    // q = 0.3: h = 2.1, v[2] = 2, v[3] = 3 -> 2 + 0.1 * 1 = 2.1
    assert!((quantile_linear(&v, 0.3).unwrap() - 2.1).abs() < 1e-12);
    // q = 0.5: h = 3.5 -> 3 + 0.5 * (4 - 3) = 3.5
    assert_eq!(quantile_linear(&v, 0.5).unwrap(), 3.5);
    // q = 0.99: h = 6.93, v[6] = 6, v[7] = 9 -> 9 - 3 * 0.07 = 8.79
    assert!((quantile_linear(&v, 0.99).unwrap() - 8.79).abs() < 1e-12);
    // Ends.
    assert_eq!(quantile_linear(&v, 0.0).unwrap(), 1.0);
    assert_eq!(quantile_linear(&v, 1.0).unwrap(), 9.0);
    // numpy 2.x prints np.quantile(v, 0.8) = 5.6000000000000005 and np.quantile(v, 0.9) =
    // 6.8999999999999995: the g >= 0.5 branch (hi - d * (1 - g)) and the g < 0.5 branch
    // (lo + d * g) reproduce numpy's rounding exactly.
    assert_eq!(quantile_linear(&v, 0.8).unwrap(), 5.6000000000000005);
    assert_eq!(quantile_linear(&v, 0.9).unwrap(), 6.8999999999999995);
    // One value.
    assert_eq!(quantile_linear(&[0.25], 0.99).unwrap(), 0.25);
    assert!(quantile_linear(&[], 0.5).is_err());
    assert!(quantile_linear(&[1.0, f64::NAN], 0.5).is_err());
    assert!(quantile_linear(&v, 1.5).is_err());
}

#[test]
fn kth_and_python_rounding() {
    let v = [0.3, 0.1, 0.2, 0.5, 0.4];
    assert_eq!(kth_smallest(&v, 1).unwrap(), 0.1);
    assert_eq!(kth_smallest(&v, 4).unwrap(), 0.4);
    assert!(kth_smallest(&v, 0).is_err());
    assert!(kth_smallest(&v, 6).is_err());
    // Python: round(2.5) == 2, round(3.5) == 4, round(10 * 0.99) == 10.
    assert_eq!(python_rank("t", 5, 0.5).unwrap(), 2);
    assert_eq!(python_rank("t", 7, 0.5).unwrap(), 4);
    assert_eq!(python_rank("t", 10, 0.99).unwrap(), 10);
    assert!(python_rank("t", 10, 0.01).is_err()); // round(0.1) = 0
}

#[test]
fn top_rate_sets_by_hand() {
    // 2 layers x 5 neurons = 10 values; top_rate 0.2 -> quantile 0.8, h = 9 * 0.8 = 7.2.
    let p = vec![0.10, 0.50, 0.20, 0.90, 0.30, 0.40, 0.60, 0.05, 0.70, 0.80];
    // sorted: .05 .1 .2 .3 .4 .5 .6 .7 .8 .9 -> v[7] = .7, v[8] = .8 -> .7 + .2 * .1 = .72
    let mut t = StatsTable::new(shape(2, 5));
    t.push("xx", p.clone()).unwrap();
    let q = language_sets(
        &t,
        &SetMethod::TopRate {
            top_rate: 0.2,
            threshold: Threshold::Quantile,
        },
    )
    .unwrap();
    assert!((q.thresholds[0] - 0.72).abs() < 1e-12);
    assert_eq!(q.sets[0].ids(), &[3, 9]); // 0.9 and 0.8
    // Reference rule: k = round(10 * 0.8) = 8 -> 8th smallest = 0.7 -> p >= 0.7 keeps 3 neurons.
    let k = language_sets(
        &t,
        &SetMethod::TopRate {
            top_rate: 0.2,
            threshold: Threshold::KthValue,
        },
    )
    .unwrap();
    assert_eq!(k.thresholds[0], 0.7);
    assert_eq!(k.sets[0].ids(), &[3, 8, 9]);
    assert_eq!(k.sets[0].layer_neurons(1), vec![3, 4]);
    // Ties: every neuron at the cut-off is kept.
    let mut t2 = StatsTable::new(shape(1, 4));
    t2.push("yy", vec![0.5; 4]).unwrap();
    let s = language_sets(&t2, &SetMethod::default()).unwrap();
    assert_eq!(s.sets[0].len(), 4);
    assert!(
        language_sets(
            &t2,
            &SetMethod::TopRate {
                top_rate: 0.0,
                threshold: Threshold::Quantile
            }
        )
        .is_err()
    );
}

#[test]
fn lape_by_hand() {
    // 1 layer x 4 neurons, 2 languages; P[n] = [p_a, p_b]:
    // n0 [.5, .5] H = ln 2; n1 [.9, 0] H = 0; n2 [.1, .3] q = [.25, .75], H = 0.5623; n3 [0, 0].
    let mut t = StatsTable::new(shape(1, 4));
    t.push("a", vec![0.5, 0.9, 0.1, 0.0]).unwrap();
    t.push("b", vec![0.5, 0.0, 0.3, 0.0]).unwrap();
    // all 8 values sorted: 0 0 0 .1 .3 .5 .5 .9; filter_rate .5 -> k = 4 -> bar .1;
    // n3 has nothing above .1 -> dismissed. keep round(4 * .5) = 2 lowest entropy: n1, n2.
    // activation bar .5 -> .1: a keeps n1 (.9 > .1), not n2 (.1); b keeps n2 (.3), not n1 (0).
    let m = SetMethod::Lape {
        top_rate: 0.5,
        filter_rate: 0.5,
        activation_bar_ratio: 0.5,
    };
    let s = language_sets(&t, &m).unwrap();
    assert_eq!(s.get("a").unwrap().ids(), &[1]);
    assert_eq!(s.get("b").unwrap().ids(), &[2]);
    assert_eq!(s.thresholds, vec![0.1, 0.1]);
    // activation bar ratio .25 -> k = 2 -> bar 0: a keeps n1 and n2 (.1 > 0), b keeps n2.
    let m = SetMethod::Lape {
        top_rate: 0.5,
        filter_rate: 0.5,
        activation_bar_ratio: 0.25,
    };
    let s = language_sets(&t, &m).unwrap();
    assert_eq!(s.get("a").unwrap().ids(), &[1, 2]);
    assert_eq!(s.get("b").unwrap().ids(), &[2]);
    // top_rate .75 -> keep 3: n1, n2, n0 (ln 2 = .693 is the largest entropy).
    let m = SetMethod::Lape {
        top_rate: 0.75,
        filter_rate: 0.5,
        activation_bar_ratio: 0.5,
    };
    let s = language_sets(&t, &m).unwrap();
    assert_eq!(s.get("a").unwrap().ids(), &[0, 1]);
    assert_eq!(s.get("b").unwrap().ids(), &[0, 2]);
}

#[test]
fn similarity_by_hand() {
    // 1 layer x 4 neurons; sets by hand through KthValue with top_rate .5 -> k = 2, the 2nd smallest.
    let mut t = StatsTable::new(shape(1, 4));
    t.push("a", vec![0.8, 0.6, 0.1, 0.0]).unwrap(); // 2nd smallest .1 -> T_a = {0, 1, 2}
    t.push("b", vec![0.2, 0.4, 0.9, 0.0]).unwrap(); // .2 -> T_b = {0, 1, 2}
    t.push("c", vec![0.0, 0.0, 0.3, 0.7]).unwrap(); // 0 -> T_c = all
    let s = language_sets(
        &t,
        &SetMethod::TopRate {
            top_rate: 0.5,
            threshold: Threshold::KthValue,
        },
    )
    .unwrap();
    assert_eq!(s.get("a").unwrap().ids(), &[0, 1, 2]);
    assert_eq!(s.get("c").unwrap().len(), 4);
    let m = similarity_matrices(&t, &s, &["a", "b", "c"]).unwrap();
    assert_eq!(m.overlap, vec![vec![3, 3, 3], vec![3, 3, 3], vec![3, 3, 4]]);
    // a·b on {0,1,2}: .8*.2 + .6*.4 + .1*.9 = .49; |a| = sqrt(1.01), |b| = sqrt(1.01) -> .49 / 1.01
    assert!((m.cosine[0][1] - 0.49 / 1.01).abs() < 1e-12);
    assert_eq!(m.cosine[0][1], m.cosine[1][0]);
    // a·c on {0,1,2}: .1*.3 = .03; |a| = sqrt(1.01), |c| = .3 -> .03 / (.3 sqrt(1.01))
    assert!((m.cosine[0][2] - 0.03 / (0.3 * 1.01f64.sqrt())).abs() < 1e-12);
    assert!((m.cosine[2][2] - 1.0).abs() < 1e-12);
    assert!(m.overlap_tsv().starts_with("lang\ta\tb\tc\na\t3\t3\t3\n"));
    // FLORES-similarity bridge of target c: a and b tie on overlap (3), cosine decides.
    // c·b on {0,1,2}: .3*.9 = .27 / (.3 * sqrt(1.01)) = .896 > c·a = .099 -> b.
    assert_eq!(m.most_similar("c", &["a", "b"]).as_deref(), Some("b"));
    // Target a: b overlaps 3 and c overlaps 3; cosine a·b .485 > a·c .099 -> b; alone c wins.
    assert_eq!(m.most_similar("a", &["c", "b"]).as_deref(), Some("b"));
    assert_eq!(m.most_similar("a", &["c", "zz"]).as_deref(), Some("c"));
    assert_eq!(m.most_similar("a", &["a"]), None);
    assert_eq!(m.most_similar("zz", &["a"]), None);
    // Disjoint sets give overlap 0 and cosine 0.
    let shape1 = shape(1, 4);
    let sets = LanguageSets {
        shape: shape1,
        method: SetMethod::default(),
        languages: vec!["a".into(), "b".into()],
        sets: vec![
            NeuronSet::new(shape1, vec![0]).unwrap(),
            NeuronSet::new(shape1, vec![1]).unwrap(),
        ],
        thresholds: vec![0.0, 0.0],
        generic: Default::default(),
        excluded: 0,
    };
    let m = similarity_matrices(&t, &sets, &[]).unwrap();
    assert_eq!(m.overlap[0][1], 0);
    assert_eq!(m.cosine[0][1], 0.0);
    assert!(similarity_matrices(&t, &sets, &["zz"]).is_err());
}

#[test]
fn neuron_set_ops_match_btreeset() {
    let sh = shape(7, 50);
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..20 {
        let a: Vec<u32> = (0..120).map(|_| rng.random_range(0..350)).collect();
        let b: Vec<u32> = (0..90).map(|_| rng.random_range(0..350)).collect();
        let (sa, sb) = (
            NeuronSet::new(sh, a.clone()).unwrap(),
            NeuronSet::new(sh, b.clone()).unwrap(),
        );
        let (ta, tb): (BTreeSet<u32>, BTreeSet<u32>) =
            (a.into_iter().collect(), b.into_iter().collect());
        let v = |s: BTreeSet<u32>| s.into_iter().collect::<Vec<_>>();
        assert_eq!(sa.ids(), v(ta.clone()).as_slice());
        assert_eq!(sa.intersection(&sb).unwrap().ids(), v(&ta & &tb).as_slice());
        assert_eq!(sa.union(&sb).unwrap().ids(), v(&ta | &tb).as_slice());
        assert_eq!(sa.difference(&sb).unwrap().ids(), v(&ta - &tb).as_slice());
        assert_eq!(sa.intersection_len(&sb).unwrap(), (&ta & &tb).len());
        for layer in 0..7 {
            let naive: Vec<u32> = ta
                .iter()
                .copied()
                .filter(|&i| i as usize / 50 == layer)
                .collect();
            assert_eq!(sa.layer(layer), naive.as_slice());
            assert_eq!(sa.per_layer_counts()[layer], naive.len());
        }
        assert!(sa.layer(7).is_empty());
    }
    assert!(NeuronSet::new(sh, vec![350]).is_err());
    assert!(
        NeuronSet::from_pairs(sh, &[(6, 49), (0, 0)])
            .unwrap()
            .contains(349)
    );
    assert!(NeuronSet::from_pairs(sh, &[(7, 0)]).is_err());
    assert!(
        NeuronSet::empty(sh)
            .intersection(&NeuronSet::empty(shape(7, 51)))
            .is_err()
    );
}

#[test]
fn serde_round_trip_and_validation() {
    let sh = shape(2, 3);
    let s = NeuronSet::new(sh, vec![4, 1]).unwrap();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<NeuronSet>(&json).unwrap(), s);
    // An id beyond the shape is refused on load.
    assert!(
        serde_json::from_str::<NeuronSet>(r#"{"shape":{"layers":2,"neurons":3},"ids":[6]}"#)
            .is_err()
    );
    assert!(serde_json::from_str::<ModelShape>(r#"{"layers":0,"neurons":3}"#).is_err());
    let mut t = StatsTable::new(sh);
    t.push("a", vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5]).unwrap();
    t.set_mean("a", vec![1.0; 6]).unwrap();
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(serde_json::from_str::<StatsTable>(&json).unwrap(), t);
    let bad = json.replace("0.5", "1.5");
    assert!(serde_json::from_str::<StatsTable>(&bad).is_err());
}

#[test]
fn stats_table_validation() {
    let sh = shape(1, 3);
    let mut t = StatsTable::new(sh);
    assert!(t.push("a", vec![0.1, 0.2]).is_err());
    assert!(t.push("a", vec![0.1, 1.2, 0.0]).is_err());
    assert!(t.push("a", vec![0.1, f64::NAN, 0.0]).is_err());
    assert!(t.push_counts("a", &[1, 2, 3], 0).is_err());
    assert!(t.push_counts("a", &[1, 5, 3], 4).is_err());
    t.push_counts("a", &[1, 2, 4], 4).unwrap();
    assert_eq!(t.get("a").unwrap().p, vec![0.25, 0.5, 1.0]);
    assert!(t.push("a", vec![0.0; 3]).is_err());
    let e = t.get("b").unwrap_err().to_string();
    assert!(e.contains("\"b\"") && e.contains("known: a"), "{e}");
}

#[test]
fn probe_tensor_layouts() {
    // [samples=2, layers=2, neurons=3] -> [layers, neurons, samples].
    let sample_major: Vec<f32> = (0..12).map(|i| i as f32).collect();
    let p = ProbeTensor::from_sample_major(2, 3, 2, &sample_major).unwrap();
    // neuron (1, 2) = flat 5: sample 0 -> 5, sample 1 -> 6 + 5 = 11.
    assert_eq!(p.row(1, 2).unwrap(), &[5.0, 11.0]);
    assert_eq!(p.mean(1, 2), Some(8.0));
    assert_eq!(p.row(2, 0), None);
    assert!(ProbeTensor::new(2, 3, 2, vec![0f32; 11]).is_err());
    let mut bad = vec![0f32; 12];
    bad[7] = f32::NAN; // layer 1, neuron 0, sample 1
    let e = ProbeTensor::new(2, 3, 2, bad).unwrap_err().to_string();
    assert!(e.contains("layer 1, neuron 0, sample 1"), "{e}");
}

#[test]
fn bridge_sets_by_hand() {
    // 2 layers x 4 neurons, 2 samples.
    let sh = shape(2, 4);
    let t_s = NeuronSet::from_pairs(sh, &[(0, 0), (0, 1), (1, 0)]).unwrap();
    let t_t = NeuronSet::from_pairs(sh, &[(0, 0), (0, 1), (1, 0), (1, 3)]).unwrap();
    // O_st = {(0,0), (0,1), (1,0)}: m = 2 in layer 0, 1 in layer 1.
    let t_k = NeuronSet::from_pairs(sh, &[(0, 0), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3)]).unwrap();
    // Probe means: (0,2) -> 1.0, (0,3) -> 2.0, (1,1) -> 5.0, (1,2) -> 5.0 (tie), (1,3) -> -1.
    let mut a = vec![0f32; 2 * 4 * 2];
    let mut set = |l: usize, n: usize, v: [f32; 2]| {
        a[(l * 4 + n) * 2..(l * 4 + n) * 2 + 2].copy_from_slice(&v)
    };
    set(0, 2, [0.0, 2.0]);
    set(0, 3, [1.0, 3.0]);
    set(1, 1, [4.0, 6.0]);
    set(1, 2, [5.0, 5.0]);
    set(1, 3, [-1.0, -1.0]);
    let probe = ProbeTensor::new(2, 4, 2, a).unwrap();
    let o = pair_overlap(&t_s, &t_t).unwrap();
    assert_eq!(o.ids(), &[0, 1, 4]);
    // Default: layer 0 pool {(0,2), (0,3)} both taken (m = 2); layer 1 pool {(1,1), (1,2), (1,3)},
    // m = 1, the tie at 5.0 goes to the lower index (1,1).
    let b = bridge_set(&t_k, &t_s, &t_t, &probe, BridgeVariant::TopByProbeMean).unwrap();
    assert_eq!(b.pairs().collect::<Vec<_>>(), vec![(0, 2), (0, 3), (1, 1)]);
    let b = bridge_set(&t_k, &t_s, &t_t, &probe, BridgeVariant::Whole).unwrap();
    assert_eq!(b, t_k);
    // T_k ∩ (T_s ∪ T_t) = {(0,0), (1,3)}.
    let b = bridge_set(&t_k, &t_s, &t_t, &probe, BridgeVariant::SharedWithPair).unwrap();
    assert_eq!(b.pairs().collect::<Vec<_>>(), vec![(0, 0), (1, 3)]);
    assert_eq!(
        default_candidates("en", "sw"),
        vec!["de", "fr", "it", "pt", "es"]
    );
    assert_eq!(default_candidates("zh", "ja").len(), 6);
}

#[test]
fn top_rate_default_matches_sorting_reference_on_random_data() {
    // A naive second implementation: full sort, then the numpy formula written out directly.
    let sh = shape(4, 250);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let p: Vec<f64> = (0..1000).map(|_| rng.random::<f64>().powi(3)).collect();
    let mut t = StatsTable::new(sh);
    t.push("r", p.clone()).unwrap();
    let s = language_sets(&t, &SetMethod::default()).unwrap();
    let mut sorted = p.clone();
    sorted.sort_by(f64::total_cmp);
    let h = 999.0 * 0.99; // 989.01
    let (i, g) = (h as usize, h - (h as usize) as f64);
    let cut = sorted[i] + g * (sorted[i + 1] - sorted[i]);
    assert!((s.thresholds[0] - cut).abs() < 1e-15);
    let naive: Vec<u32> = (0..1000).filter(|&i| p[i as usize] >= cut).collect();
    assert_eq!(s.sets[0].ids(), naive.as_slice());
    assert_eq!(naive.len(), 10); // 1000 - 990 values above the 989.01-th order statistic
}
