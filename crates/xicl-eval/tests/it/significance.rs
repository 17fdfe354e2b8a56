//! The study's statistics against independent values: scipy and statsmodels results in
//! tests/data/significance.json (made by tests/significance_reference.py, whose docstring has
//! the exact command), hand computations, and second, naive implementations.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use xicl_eval::significance::{
    Contrast, CorpusMetric, ItemTable, StatsError, WilcoxonMethod, binomial_two_sided_half,
    bootstrap_contrasts, cross_fitted_oracle, holm, mcnemar_exact, paired_bootstrap_mean,
    paired_permutation, percentile, sign_test, split_halves, wilcoxon,
};
use xicl_eval::{BleuConfig, ChrfConfig, Outcome, corpus_bleu, corpus_chrf};

fn fixture() -> Value {
    serde_json::from_str(include_str!("../data/significance.json"))
        .expect("tests/data/significance.json")
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

fn close(got: f64, want: f64, rel: f64, what: &str) {
    let tol = rel * want.abs().max(1e-300);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, want {want:e}"
    );
}

#[test]
fn sign_test_and_binomial_match_scipy_binomtest() {
    let fx = fixture();
    for case in fx["binomtest"].as_array().unwrap() {
        let (k, n) = (
            case["k"].as_u64().unwrap() as usize,
            case["n"].as_u64().unwrap() as usize,
        );
        let want = f(&case["p_value"]);
        let call = case["call"].as_str().unwrap();
        close(binomial_two_sided_half(k, n), want, 1e-10, call);
        // k wins, n − k losses and three ties: the ties are dropped.
        let mut diffs: Vec<f64> = (0..k).map(|i| 1.0 + i as f64).collect();
        diffs.extend((k..n).map(|i| -0.5 - i as f64));
        diffs.extend([0.0, 0.0, 0.0]);
        let s = sign_test(&diffs).unwrap();
        assert_eq!((s.positive, s.negative, s.ties), (k, n - k, 3));
        close(s.p_value, want, 1e-10, call);
    }
    // Nothing but ties: no evidence either way.
    assert_eq!(sign_test(&[0.0, 0.0]).unwrap().p_value, 1.0);
    assert!(matches!(
        sign_test(&[1.0, f64::NAN]),
        Err(StatsError::NotFinite(_))
    ));
}

#[test]
fn mcnemar_matches_statsmodels_exact() {
    let fx = fixture();
    for case in fx["mcnemar"].as_array().unwrap() {
        let t: Vec<Vec<usize>> = case["table"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_u64().unwrap() as usize)
                    .collect()
            })
            .collect();
        // table rows: first right / wrong; columns: second right / wrong
        let mut first = Vec::new();
        let mut second = Vec::new();
        for (a, b, count) in [
            (true, true, t[0][0]),
            (true, false, t[0][1]),
            (false, true, t[1][0]),
            (false, false, t[1][1]),
        ] {
            first.extend(std::iter::repeat_n(a, count));
            second.extend(std::iter::repeat_n(b, count));
        }
        let m = mcnemar_exact(&first, &second).unwrap();
        let call = case["call"].as_str().unwrap();
        assert_eq!((m.only_first, m.only_second), (t[0][1], t[1][0]), "{call}");
        assert_eq!(m.concordant, t[0][0] + t[1][1]);
        assert_eq!(
            m.only_first.min(m.only_second) as f64,
            f(&case["statistic"]),
            "{call}"
        );
        close(m.p_value, f(&case["p_value"]), 1e-10, call);
    }
    assert!(matches!(
        mcnemar_exact(&[true], &[true, false]),
        Err(StatsError::Unpaired { .. })
    ));
    assert!(matches!(mcnemar_exact(&[], &[]), Err(StatsError::Empty)));
}

#[test]
fn wilcoxon_matches_scipy_defaults() {
    let fx = fixture();
    for case in fx["wilcoxon"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let d = floats(&case["diffs"]);
        let w = wilcoxon(&d).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(w.statistic, f(&case["statistic"]), "{name}: statistic");
        close(w.p_value, f(&case["p_value"]), 1e-9, name);
        match w.method {
            WilcoxonMethod::Exact => assert!(name.starts_with("exact"), "{name}: exact"),
            WilcoxonMethod::SignFlips => assert!(name.starts_with("flips"), "{name}: flips"),
            WilcoxonMethod::Normal { z } => {
                assert!(name.starts_with("normal"), "{name}: normal");
                close(z, f(&case["z"]), 1e-9, name);
            }
        }
        assert_eq!(w.zeros, d.iter().filter(|&&x| x == 0.0).count());
        assert_eq!(w.n + w.zeros, d.len());
    }
    assert!(matches!(wilcoxon(&[0.0, 0.0]), Err(StatsError::AllZero)));
    assert!(matches!(wilcoxon(&[]), Err(StatsError::Empty)));
    assert!(matches!(
        wilcoxon(&[1.0, f64::INFINITY]),
        Err(StatsError::NotFinite(_))
    ));
}

/// By hand: 4 positive differences of distinct sizes, ranks 1..4, R+ = 10, R− = 0; of the 16
/// sign patterns only all-plus and all-minus are as extreme, so p = 2/16.
#[test]
fn wilcoxon_exact_by_hand() {
    let w = wilcoxon(&[0.5, 1.5, 2.5, 3.5]).unwrap();
    assert_eq!((w.rank_sum_positive, w.statistic), (10.0, 0.0));
    assert_eq!(w.p_value, 0.125);
    assert_eq!(w.method, WilcoxonMethod::Exact);
    // All negative: R+ = 0 (not −0, which a report would print as "-0"), the same p.
    let w = wilcoxon(&[-0.5, -1.5, -2.5, -3.5]).unwrap();
    assert!(w.rank_sum_positive == 0.0 && w.rank_sum_positive.is_sign_positive());
    assert!(w.statistic.is_sign_positive());
    assert_eq!(w.p_value, 0.125);
}

#[test]
fn holm_matches_statsmodels_multipletests() {
    let fx = fixture();
    for case in fx["holm"].as_array().unwrap() {
        let p = floats(&case["p"]);
        let want = floats(&case["adjusted"]);
        let got = holm(&p).unwrap();
        for (g, w) in got.iter().zip(&want) {
            close(*g, *w, 1e-12, &format!("holm({p:?})"));
        }
    }
    assert!(holm(&[]).unwrap().is_empty());
    assert!(matches!(holm(&[0.2, 1.5]), Err(StatsError::BadPValue(_))));
    assert!(matches!(holm(&[f64::NAN]), Err(StatsError::BadPValue(_))));
}

#[test]
fn percentile_matches_numpy() {
    let fx = fixture();
    let c = &fx["percentile"];
    let mut v = floats(&c["values"]);
    v.sort_by(f64::total_cmp);
    for (q, want) in floats(&c["q"]).iter().zip(floats(&c["percentiles"])) {
        close(
            percentile(&v, q / 100.0).unwrap(),
            want,
            1e-12,
            &format!("q {q}"),
        );
    }
    assert_eq!(percentile(&[], 0.5), None);
}

/// scipy's percentile bootstrap with 200,000 resamples (another generator) and ours with
/// 10,000 estimate the same interval; they agree within a tenth of the mean's standard error
/// (the Monte Carlo error of a 2.5% quantile from 10,000 resamples is about 0.03 of it).
#[test]
fn bootstrap_interval_agrees_with_scipy() {
    let fx = fixture();
    let c = &fx["bootstrap"];
    let d = floats(&c["diffs"]);
    let se = f(&c["standard_error"]);
    let i = paired_bootstrap_mean(&d, 10_000, 2026).unwrap();
    let mean = d.iter().sum::<f64>() / d.len() as f64;
    assert_eq!(i.estimate, mean);
    assert!((i.low - f(&c["low"])).abs() < 0.1 * se, "{i:?} vs {c}");
    assert!((i.high - f(&c["high"])).abs() < 0.1 * se, "{i:?} vs {c}");
    // Deterministic for a seed; another seed moves it.
    assert_eq!(paired_bootstrap_mean(&d, 10_000, 2026).unwrap(), i);
    assert_ne!(paired_bootstrap_mean(&d, 10_000, 2027).unwrap(), i);
}

#[test]
fn bootstrap_hand_cases() {
    // The same difference everywhere: every resample's mean is that difference.
    let i = paired_bootstrap_mean(&[0.25, 0.25, 0.25], 10_000, 0).unwrap();
    assert_eq!((i.estimate, i.low, i.high), (0.25, 0.25, 0.25));
    // Two values 0 and 1: a resample is all-0 or all-1 with probability 1/4 each, so among
    // 10,000 resamples the 2.5th and 97.5th percentiles are the extremes.
    let i = paired_bootstrap_mean(&[0.0, 1.0], 10_000, 7).unwrap();
    assert_eq!((i.estimate, i.low, i.high), (0.5, 0.0, 1.0));
    assert!(!i.excludes_zero());
    assert!(matches!(
        paired_bootstrap_mean(&[], 10, 0),
        Err(StatsError::Empty)
    ));
    assert!(matches!(
        paired_bootstrap_mean(&[1.0], 0, 0),
        Err(StatsError::Zero(_))
    ));
    assert!(matches!(
        paired_bootstrap_mean(&[f64::NAN], 10, 0),
        Err(StatsError::NotFinite(_))
    ));
}

fn choice(correct: bool) -> Outcome {
    Outcome::Choice {
        prediction: Some("x".into()),
        gold: vec!["x".into()],
        correct,
    }
}

fn accuracy_table(bits: &[bool]) -> ItemTable {
    let o: Vec<Outcome> = bits.iter().map(|&b| choice(b)).collect();
    ItemTable::from_outcomes(&CorpusMetric::Accuracy, &o).unwrap()
}

/// For accuracy, the corpus bootstrap of a difference is the bootstrap of the mean per-item
/// difference in points: the same draws give the same interval.
#[test]
fn corpus_bootstrap_of_accuracy_is_the_mean_difference_bootstrap() {
    let a = [
        true, false, true, true, false, true, true, true, false, true, false, true,
    ];
    let b = [
        false, false, true, false, false, true, false, true, true, false, false, false,
    ];
    let (ta, tb) = (accuracy_table(&a), accuracy_table(&b));
    let got = bootstrap_contrasts(
        &[&ta, &tb],
        &CorpusMetric::Accuracy,
        &[Contrast {
            plus: 0,
            minus: vec![1],
        }],
        10_000,
        5,
    )
    .unwrap()[0];
    let diffs: Vec<f64> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| 100.0 * (f64::from(u8::from(*x)) - f64::from(u8::from(*y))))
        .collect();
    let want = paired_bootstrap_mean(&diffs, 10_000, 5).unwrap();
    for (g, w) in [
        (got.estimate, want.estimate),
        (got.low, want.low),
        (got.high, want.high),
    ] {
        assert!((g - w).abs() < 1e-9, "{got:?} vs {want:?}");
    }
    // 8 of 12 against 4 of 12: 100/3 points by hand.
    assert!((got.estimate - 100.0 / 3.0).abs() < 1e-12);
}

#[test]
fn contrast_against_a_mean_of_systems() {
    let hsic = accuracy_table(&[true, true, false, true]);
    let c1 = accuracy_table(&[true, false, false, false]);
    let c2 = accuracy_table(&[false, true, true, true]);
    let i = bootstrap_contrasts(
        &[&hsic, &c1, &c2],
        &CorpusMetric::Accuracy,
        &[Contrast {
            plus: 0,
            minus: vec![1, 2],
        }],
        2_000,
        1,
    )
    .unwrap()[0];
    // 75 − (25 + 75) / 2 = 25
    assert!((i.estimate - 25.0).abs() < 1e-12);
    assert!(i.low <= i.estimate && i.estimate <= i.high);
    let bad = bootstrap_contrasts(
        &[&hsic],
        &CorpusMetric::Accuracy,
        &[Contrast {
            plus: 0,
            minus: vec![3],
        }],
        10,
        1,
    );
    assert!(matches!(bad, Err(StatsError::Shape(_))));
    let short = accuracy_table(&[true]);
    assert!(matches!(
        bootstrap_contrasts(
            &[&hsic, &short],
            &CorpusMetric::Accuracy,
            &[Contrast {
                plus: 0,
                minus: vec![1]
            }],
            10,
            1
        ),
        Err(StatsError::Unpaired { .. })
    ));
}

const HYPS_A: [&str; 8] = [
    "The cat sat on the mat.",
    "A dog barks at night",
    "Rain falls in the valley today.",
    "He reads a book",
    "",
    "They went home after the game.",
    "Water boils at one hundred degrees",
    "She sings",
];
const HYPS_B: [&str; 8] = [
    "The cat is on a mat",
    "The dog barked at night.",
    "It rains in the valley",
    "He is reading the book.",
    "Nothing",
    "They went to their home after the match.",
    "Water is boiling at 100 degrees.",
    "She sang a song",
];
const REFS: [&str; 8] = [
    "The cat sat on the mat.",
    "A dog barked in the night.",
    "Rain is falling in the valley today.",
    "He is reading a book.",
    "Silence.",
    "They went home after the game.",
    "Water boils at one hundred degrees.",
    "She sings a song.",
];

fn translations(hyps: &[&str]) -> Vec<Outcome> {
    hyps.iter()
        .zip(REFS)
        .map(|(h, r)| Outcome::Translation {
            hypothesis: h.to_string(),
            reference: r.to_string(),
        })
        .collect()
}

fn metrics() -> [CorpusMetric; 2] {
    [
        CorpusMetric::Chrf(ChrfConfig::chrf_pp()),
        CorpusMetric::Bleu(BleuConfig::default()),
    ]
}

/// Per-item statistics summed and scored give exactly the corpus scores of the metric modules.
#[test]
fn item_statistics_rebuild_the_corpus_scores() {
    for m in metrics() {
        let t = ItemTable::from_outcomes(&m, &translations(&HYPS_A)).unwrap();
        let got = m.score(&t.total()).unwrap();
        let want = match m {
            CorpusMetric::Chrf(c) => corpus_chrf(&HYPS_A, &REFS, &c).unwrap().score,
            CorpusMetric::Bleu(c) => corpus_bleu(&HYPS_A, &REFS, &c).unwrap().score,
            CorpusMetric::Accuracy => unreachable!(),
        };
        assert_eq!(got, want, "{m:?}");
        assert!(matches!(m.score(&[1, 2]), Err(StatsError::Shape(_))));
    }
    let acc = CorpusMetric::Accuracy;
    assert_eq!(acc.score(&[3, 4]).unwrap(), 75.0);
    assert_eq!(acc.score(&[0, 0]).unwrap(), 0.0);
}

/// A second, naive implementation of the permutation test: the same coin flips (one
/// `random::<bool>()` per item and trial), but each trial builds the two swapped lists of
/// sentences and scores them with `corpus_chrf` / `corpus_bleu` from the strings.
fn naive_permutation(m: &CorpusMetric, a: &[&str], b: &[&str], trials: usize, seed: u64) -> usize {
    let score = |h: &[&str]| match m {
        CorpusMetric::Chrf(c) => corpus_chrf(h, &REFS, c).unwrap().score,
        CorpusMetric::Bleu(c) => corpus_bleu(h, &REFS, c).unwrap().score,
        CorpusMetric::Accuracy => unreachable!(),
    };
    let observed = (score(a) - score(b)).abs();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut count = 0;
    for _ in 0..trials {
        let mut x: Vec<&str> = Vec::new();
        let mut y: Vec<&str> = Vec::new();
        for i in 0..a.len() {
            if rng.random::<bool>() {
                x.push(b[i]);
                y.push(a[i]);
            } else {
                x.push(a[i]);
                y.push(b[i]);
            }
        }
        count += usize::from((score(&x) - score(&y)).abs() >= observed);
    }
    count
}

/// A second, naive implementation of the corpus bootstrap: the same draws (`random_range(0..n)`
/// per item and resample), but each resample builds the two lists of sentences and scores them
/// with `corpus_chrf` from the strings; the percentiles of the differences give the interval.
#[test]
fn corpus_bootstrap_matches_a_naive_implementation() {
    let m = CorpusMetric::Chrf(ChrfConfig::chrf_pp());
    let ta = ItemTable::from_outcomes(&m, &translations(&HYPS_A)).unwrap();
    let tb = ItemTable::from_outcomes(&m, &translations(&HYPS_B)).unwrap();
    let got = bootstrap_contrasts(
        &[&ta, &tb],
        &m,
        &[Contrast {
            plus: 0,
            minus: vec![1],
        }],
        300,
        21,
    )
    .unwrap()[0];
    let score = |h: &[&str], r: &[&str]| corpus_chrf(h, r, &ChrfConfig::chrf_pp()).unwrap().score;
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let n = HYPS_A.len();
    let mut diffs: Vec<f64> = (0..300)
        .map(|_| {
            let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
            let pick = |v: &[&'static str]| idx.iter().map(|&i| v[i]).collect::<Vec<&str>>();
            let refs = pick(&REFS);
            score(&pick(&HYPS_A), &refs) - score(&pick(&HYPS_B), &refs)
        })
        .collect();
    diffs.sort_by(f64::total_cmp);
    assert_eq!(got.estimate, score(&HYPS_A, &REFS) - score(&HYPS_B, &REFS));
    assert_eq!(got.low, percentile(&diffs, 0.025).unwrap());
    assert_eq!(got.high, percentile(&diffs, 0.975).unwrap());
}

#[test]
fn permutation_test_matches_a_naive_implementation() {
    for m in metrics() {
        let ta = ItemTable::from_outcomes(&m, &translations(&HYPS_A)).unwrap();
        let tb = ItemTable::from_outcomes(&m, &translations(&HYPS_B)).unwrap();
        let p = paired_permutation(&ta, &tb, &m, 300, 9).unwrap();
        let naive = naive_permutation(&m, &HYPS_A, &HYPS_B, 300, 9);
        assert_eq!(p.as_extreme, naive, "{m:?}");
        assert_eq!(p.p_value, (naive + 1) as f64 / 301.0);
        assert_eq!(p.first, m.score(&ta.total()).unwrap());
    }
}

/// With 8 items all 2⁸ swap patterns can be enumerated: the exact permutation p-value. The
/// 10,000-trial estimate lies within 4 standard errors of it.
#[test]
fn permutation_test_estimates_the_exact_p_value() {
    let m = CorpusMetric::Chrf(ChrfConfig::chrf_pp());
    let ta = ItemTable::from_outcomes(&m, &translations(&HYPS_A)).unwrap();
    let tb = ItemTable::from_outcomes(&m, &translations(&HYPS_B)).unwrap();
    let score = |h: &[&str]| corpus_chrf(h, &REFS, &ChrfConfig::chrf_pp()).unwrap().score;
    let observed = (score(&HYPS_A) - score(&HYPS_B)).abs();
    let mut extreme = 0;
    for mask in 0u32..256 {
        let pick = |i: usize, swap_to_b: bool| {
            if (mask >> i) & 1 == u32::from(swap_to_b) {
                HYPS_B[i]
            } else {
                HYPS_A[i]
            }
        };
        let x: Vec<&str> = (0..8).map(|i| pick(i, true)).collect();
        let y: Vec<&str> = (0..8).map(|i| pick(i, false)).collect();
        extreme += usize::from((score(&x) - score(&y)).abs() >= observed);
    }
    let exact = extreme as f64 / 256.0;
    let p = paired_permutation(&ta, &tb, &m, 10_000, 3).unwrap();
    let se = (exact * (1.0 - exact) / 10_000.0).sqrt();
    assert!(
        (p.p_value - exact).abs() < 4.0 * se + 1e-4,
        "{} vs exact {exact}",
        p.p_value
    );
}

#[test]
fn permutation_hand_cases() {
    // Identical systems: every trial's difference is 0, as extreme as the observed 0.
    let t = accuracy_table(&[true, false, true]);
    let p = paired_permutation(&t, &t, &CorpusMetric::Accuracy, 500, 1).unwrap();
    assert_eq!((p.as_extreme, p.p_value), (500, 1.0));
    // Right on all 6 items against wrong on all: only no swap or all swapped give |100|; the
    // exact p is 2/64 = 0.03125, the estimate from 20,000 trials within 4 standard errors.
    let a = accuracy_table(&[true; 6]);
    let b = accuracy_table(&[false; 6]);
    let p = paired_permutation(&a, &b, &CorpusMetric::Accuracy, 20_000, 4).unwrap();
    let se = (0.03125f64 * (1.0 - 0.03125) / 20_000.0).sqrt();
    assert!((p.p_value - 0.03125).abs() < 4.0 * se, "{}", p.p_value);
    assert_eq!((p.first, p.second), (100.0, 0.0));
    // Deterministic for a seed.
    assert_eq!(
        paired_permutation(&a, &b, &CorpusMetric::Accuracy, 20_000, 4).unwrap(),
        p
    );
    assert!(matches!(
        paired_permutation(&a, &b, &CorpusMetric::Accuracy, 0, 4),
        Err(StatsError::Zero(_))
    ));
}

#[test]
fn split_halves_is_a_seeded_partition() {
    let (a, b) = split_halves(11, 3);
    assert_eq!((a.len(), b.len()), (5, 6));
    let mut all: Vec<usize> = a.iter().chain(&b).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..11).collect::<Vec<_>>());
    assert_eq!(split_halves(11, 3), (a.clone(), b));
    assert_ne!(split_halves(11, 4).0, a);
}

/// X is right on items 0 and 1 only, Y on 2 and 3 only. The plain oracle takes the best on all
/// items (X, first of a tie: 50). Chosen on {0, 1}, X scores 0 on {2, 3}; chosen on {2, 3},
/// Y scores 0 on {0, 1}: the cross-fitted oracle is 0.
#[test]
fn cross_fitted_oracle_by_hand() {
    let x = accuracy_table(&[true, true, false, false]);
    let y = accuracy_table(&[false, false, true, true]);
    let m = CorpusMetric::Accuracy;
    let c = cross_fitted_oracle(&[&x, &y], &m, (&[0, 1], &[2, 3])).unwrap();
    assert_eq!((c.chosen_on_first, c.chosen_on_second), (0, 1));
    assert_eq!(
        (c.first_half_score, c.second_half_score, c.score),
        (0.0, 0.0, 0.0)
    );
    // Z, at least as good as X on every item and listed first, is chosen both ways ({0, 3}:
    // a tie at 1/2 goes to the first; {1, 2}: 2/2 against 1/2) and keeps its score of 3/4.
    let z = accuracy_table(&[true, true, true, false]);
    let c = cross_fitted_oracle(&[&z, &x], &m, (&[0, 3], &[1, 2])).unwrap();
    assert_eq!((c.chosen_on_first, c.chosen_on_second), (0, 0));
    assert_eq!(c.score, 75.0);
    // {0} picks X (a tie at 1/1 goes to the first), which scores 1/3 on {1, 2, 3}; {1, 2, 3}
    // picks Z (2/3 against 1/3), which scores 1/1 on {0}: the combined score is 2/4.
    let c = cross_fitted_oracle(&[&x, &z], &m, (&[0], &[1, 2, 3])).unwrap();
    assert_eq!((c.chosen_on_first, c.chosen_on_second), (0, 1));
    assert_eq!(c.score, 50.0);
    assert!(matches!(
        cross_fitted_oracle(&[&x], &m, (&[], &[0, 1, 2, 3])),
        Err(StatsError::TooFewToSplit(4))
    ));
    assert!(matches!(
        cross_fitted_oracle(&[&x], &m, (&[0], &[7])),
        Err(StatsError::Shape(_))
    ));
}
