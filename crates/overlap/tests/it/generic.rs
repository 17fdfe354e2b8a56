//! Generic-neuron rules and the non-degenerate similarity measures, against hand computations.

use overlap::{
    GenericNeurons, ModelShape, SetMethod, StatsTable, Threshold, language_sets,
    language_sets_with, similarity_matrices,
};

fn table() -> StatsTable {
    // 1 layer x 6 neurons. n0 and n1 fire almost always in all three languages (generic);
    // n2..n5 tell the languages apart.
    let mut t = StatsTable::new(ModelShape::new(1, 6).unwrap());
    t.push("a", vec![0.99, 0.98, 0.60, 0.10, 0.05, 0.00])
        .unwrap();
    t.push("b", vec![0.97, 0.99, 0.10, 0.50, 0.02, 0.01])
        .unwrap();
    t.push("c", vec![0.99, 0.96, 0.05, 0.40, 0.70, 0.00])
        .unwrap();
    t
}

/// Top 1/3 by the reference's kthvalue rule: with n values the cut-off is the k-th smallest
/// (1-based), k = round(n * 2/3).
fn top_third() -> SetMethod {
    SetMethod::TopRate {
        top_rate: 1.0 / 3.0,
        threshold: Threshold::KthValue,
    }
}

#[test]
fn keep_is_the_reference_rule() {
    let t = table();
    let plain = language_sets(&t, &top_third()).unwrap();
    let kept = language_sets_with(&t, &top_third(), GenericNeurons::Keep).unwrap();
    assert_eq!(plain, kept);
    assert_eq!(kept.excluded, 0);
    // k = round(6 * 2/3) = 4: a's 4th smallest is .60 -> {0, 1, 2}; b's .50 -> {0, 1, 3};
    // c's .70 -> {0, 1, 4}. The generic pair n0, n1 is in every set.
    assert_eq!(plain.get("a").unwrap().ids(), &[0, 1, 2]);
    assert_eq!(plain.get("b").unwrap().ids(), &[0, 1, 3]);
    assert_eq!(plain.get("c").unwrap().ids(), &[0, 1, 4]);
}

#[test]
fn in_every_set_leaves_the_common_neurons_out_then_takes_the_top_rate_of_the_rest() {
    let t = table();
    let s = language_sets_with(&t, &top_third(), GenericNeurons::InEverySet).unwrap();
    // n0 and n1 are in all three plain sets: both are left out. Of the remaining 4 values, k =
    // round(4 * 2/3) = 3, the 3rd smallest:
    // a: [.60 .10 .05 .00] -> .10 -> {2, 3};  b: [.10 .50 .02 .01] -> .10 -> {2, 3};
    // c: [.05 .40 .70 .00] -> .40 -> {3, 4}.
    assert_eq!(s.excluded, 2);
    assert_eq!(s.get("a").unwrap().ids(), &[2, 3]);
    assert_eq!(s.get("b").unwrap().ids(), &[2, 3]);
    assert_eq!(s.get("c").unwrap().ids(), &[3, 4]);
    assert_eq!(s.thresholds, vec![0.10, 0.10, 0.40]);
}

#[test]
fn above_bar_leaves_out_what_every_language_fires_on() {
    let t = table();
    // Bar .97: n0 (.99 .97 .99) in all three; n1 (.98 .99 .96) is not (c .96 < .97).
    let s = language_sets_with(&t, &top_third(), GenericNeurons::AboveBar { bar: 0.97 }).unwrap();
    assert_eq!(s.excluded, 1);
    // 5 values left, k = round(5 * 2/3) = 3: a [.98 .60 .10 .05 0] -> .10 -> {1, 2, 3};
    // b [.99 .10 .50 .02 .01] -> .10 -> {1, 2, 3}; c [.96 .05 .40 .70 0] -> .40 -> {1, 3, 4}.
    assert_eq!(s.get("a").unwrap().ids(), &[1, 2, 3]);
    assert_eq!(s.get("b").unwrap().ids(), &[1, 2, 3]);
    assert_eq!(s.get("c").unwrap().ids(), &[1, 3, 4]);
    assert!(language_sets_with(&t, &top_third(), GenericNeurons::AboveBar { bar: 1.5 }).is_err());
    // A bar of 0 leaves out every neuron: an error, not empty sets.
    assert!(language_sets_with(&t, &top_third(), GenericNeurons::AboveBar { bar: 0.0 }).is_err());
}

#[test]
fn lape_never_selects_a_left_out_neuron() {
    let t = table();
    let m = SetMethod::Lape {
        top_rate: 0.5,
        filter_rate: 0.5,
        activation_bar_ratio: 0.5,
    };
    let plain = language_sets(&t, &m).unwrap();
    let s = language_sets_with(&t, &m, GenericNeurons::AboveBar { bar: 0.97 }).unwrap();
    for (l, set) in s.languages.iter().zip(&s.sets) {
        assert!(!set.contains(0), "{l}");
    }
    // n0's entropy is the largest of all (near-uniform), so LAPE already dropped it: same sets.
    assert_eq!(plain.sets, s.sets);
}

#[test]
fn jaccard_and_all_neuron_cosine_by_hand() {
    let t = table();
    let s = language_sets_with(&t, &top_third(), GenericNeurons::InEverySet).unwrap();
    let m = similarity_matrices(&t, &s, &[]).unwrap();
    // a {2,3}, b {2,3}, c {3,4}: J(a,b) = 1, J(a,c) = 1/3, J(b,c) = 1/3.
    assert_eq!(m.jaccard[0][1], 1.0);
    assert!((m.jaccard[0][2] - 1.0 / 3.0).abs() < 1e-15);
    assert!((m.jaccard[2][1] - 1.0 / 3.0).abs() < 1e-15);
    assert_eq!(m.jaccard[2][2], 1.0);
    // Cosine over all six neurons, by hand.
    let (a, b) = (
        [0.99, 0.98, 0.60, 0.10, 0.05, 0.00],
        [0.97, 0.99, 0.10, 0.50, 0.02, 0.01],
    );
    let dot: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((m.cosine_all[0][1] - dot / (na * nb)).abs() < 1e-12);
    assert!((m.cosine_all[1][0] - m.cosine_all[0][1]).abs() == 0.0);
    // The reference cosine on the plain sets (shared part {0, 1}: the generic pair) sits near
    // 1 for every pair: the degenerate case the generic rule is for. Jaccard: 2 / 4.
    let plain = language_sets(&t, &top_third()).unwrap();
    let pm = similarity_matrices(&t, &plain, &[]).unwrap();
    assert!(pm.cosine[0][2] > 0.999);
    assert_eq!(pm.jaccard[0][2], 0.5);
}
