//! Edit distance, to suggest known codes for a mistyped one.

/// Levenshtein distance over Unicode scalar values, ASCII case ignored.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    // One rolling row: prev[j] = distance(a[..i], b[..j]).
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The `k` candidates closest to `query`, nearest first; ties keep candidate order.
pub(crate) fn nearest(
    query: &str,
    candidates: impl Iterator<Item = &'static str>,
    k: usize,
) -> Vec<&'static str> {
    let mut scored: Vec<(usize, usize, &'static str)> = candidates
        .enumerate()
        .map(|(i, c)| (levenshtein(query, c), i, c))
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(k).map(|(_, _, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levenshtein_hand_values() {
        // Classic textbook pairs.
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("sw", "SW"), 0);
        // Multi-byte characters count as one edit each.
        assert_eq!(levenshtein("日本", "日文"), 1);
    }

    #[test]
    fn nearest_orders_by_distance_then_input_order() {
        let got = nearest("ab", ["xy", "ab", "ax", "bx", "zz"].into_iter(), 3);
        assert_eq!(got, vec!["ab", "ax", "xy"]);
    }
}
