//! BLEU with sacreBLEU 2.x's exact definition (`sacrebleu.metrics.BLEU`).
//!
//! Per segment: lower-case (optional), `rstrip`, tokenise, count word n-grams 1..=N; clip each
//! hypothesis n-gram count by its maximum count over the references; the reference length is the
//! one closest to the hypothesis length (shorter wins ties). Corpus statistics are summed and
//! then turned into one score: brevity penalty `exp(1 - r/c)` when `c < r`, geometric mean of the
//! (smoothed) precisions in percent.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::MetricError;
use crate::pytext::{py_rstrip, py_split};
use crate::tokenize::BleuTokenizer;

/// sacreBLEU's smoothing methods (Chen & Cherry 2014).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Smoothing {
    /// No smoothing: any zero precision makes the score 0.
    None,
    /// Method 1: a zero count becomes `value` (sacreBLEU default 0.1).
    Floor(f64),
    /// Method 2: add `value` to counts and totals of orders > 1 (sacreBLEU default 1).
    AddK(f64),
    /// Method 3, NIST / mteval-v13a: the k-th zero precision becomes `1 / (2^k * total)`.
    #[default]
    Exp,
}

/// BLEU settings; `Default` is sacreBLEU's corpus default (13a, mixed case, exp, N = 4).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BleuConfig {
    pub tokenizer: BleuTokenizer,
    pub lowercase: bool,
    pub smoothing: Smoothing,
    pub max_ngram_order: usize,
    /// Stop at the highest order with hypothesis n-grams instead of scoring 0 (sentence BLEU).
    pub effective_order: bool,
}

impl Default for BleuConfig {
    fn default() -> Self {
        BleuConfig {
            tokenizer: BleuTokenizer::Tok13a,
            lowercase: false,
            smoothing: Smoothing::Exp,
            max_ngram_order: 4,
            effective_order: false,
        }
    }
}

impl BleuConfig {
    /// Corpus default with the tokeniser chosen for the target language
    /// ([`BleuTokenizer::for_target`]).
    pub fn for_target(lang: &str) -> Self {
        BleuConfig {
            tokenizer: BleuTokenizer::for_target(lang),
            ..BleuConfig::default()
        }
    }

    /// `sacrebleu.sentence_bleu`'s settings: effective order on.
    pub fn sentence(self) -> Self {
        BleuConfig {
            effective_order: true,
            ..self
        }
    }
}

/// A BLEU score and its sufficient statistics (as sacreBLEU's `BLEUScore`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BleuScore {
    /// 0..=100.
    pub score: f64,
    /// Clipped n-gram matches per order (before add-k smoothing).
    pub counts: Vec<u64>,
    /// Hypothesis n-grams per order (before add-k smoothing).
    pub totals: Vec<u64>,
    /// Precisions in percent, smoothed.
    pub precisions: Vec<f64>,
    pub brevity_penalty: f64,
    pub sys_len: u64,
    pub ref_len: u64,
    pub tokenizer: BleuTokenizer,
}

/// Corpus BLEU with one reference per hypothesis.
pub fn corpus_bleu<H: AsRef<str>, R: AsRef<str>>(
    hyps: &[H],
    refs: &[R],
    cfg: &BleuConfig,
) -> Result<BleuScore, MetricError> {
    corpus_bleu_multi(hyps, &[refs], cfg)
}

/// Corpus BLEU with several reference streams (sacreBLEU's `[refs_1, refs_2, ..]`), each as long
/// as `hyps`.
pub fn corpus_bleu_multi<H: AsRef<str>, R: AsRef<str>>(
    hyps: &[H],
    ref_streams: &[&[R]],
    cfg: &BleuConfig,
) -> Result<BleuScore, MetricError> {
    check_shapes(hyps.len(), ref_streams.iter().map(|s| s.len()))?;
    if cfg.max_ngram_order == 0 {
        return Err(MetricError::ZeroOrder("max_ngram_order"));
    }
    let n = cfg.max_ngram_order;
    let mut stats = vec![0u64; 2 + 2 * n];
    let mut refs_of_segment: Vec<&str> = Vec::with_capacity(ref_streams.len());
    for (i, hyp) in hyps.iter().enumerate() {
        refs_of_segment.clear();
        refs_of_segment.extend(ref_streams.iter().map(|s| s[i].as_ref()));
        let seg = segment_stats(hyp.as_ref(), &refs_of_segment, cfg);
        for (acc, v) in stats.iter_mut().zip(seg) {
            *acc += v;
        }
    }
    Ok(score_from_stats(&stats, cfg))
}

/// Sentence BLEU of one hypothesis against its references, with `cfg` as given (use
/// [`BleuConfig::sentence`] for `sacrebleu.sentence_bleu`'s effective order).
pub fn sentence_bleu<R: AsRef<str>>(
    hyp: &str,
    refs: &[R],
    cfg: &BleuConfig,
) -> Result<BleuScore, MetricError> {
    if refs.is_empty() {
        return Err(MetricError::NoReferences);
    }
    if cfg.max_ngram_order == 0 {
        return Err(MetricError::ZeroOrder("max_ngram_order"));
    }
    let refs: Vec<&str> = refs.iter().map(|r| r.as_ref()).collect();
    Ok(score_from_stats(&segment_stats(hyp, &refs, cfg), cfg))
}

/// The BLEU score of summed statistics `[sys_len, ref_len, correct_1..=N, total_1..=N]`
/// (the layout [`bleu_statistics`] returns): what [`corpus_bleu`] computes after summing its
/// segments, so that a corpus score can be recomputed from per-segment statistics.
pub fn bleu_from_statistics(stats: &[u64], cfg: &BleuConfig) -> Result<BleuScore, MetricError> {
    if cfg.max_ngram_order == 0 {
        return Err(MetricError::ZeroOrder("max_ngram_order"));
    }
    let expected = 2 + 2 * cfg.max_ngram_order;
    if stats.len() != expected {
        return Err(MetricError::StatisticsShape {
            expected,
            found: stats.len(),
        });
    }
    Ok(score_from_stats(stats, cfg))
}

/// One segment's BLEU statistics `[sys_len, ref_len, correct_1..=N, total_1..=N]`, the terms
/// [`corpus_bleu`] sums over segments.
pub fn bleu_statistics<R: AsRef<str>>(
    hyp: &str,
    refs: &[R],
    cfg: &BleuConfig,
) -> Result<Vec<u64>, MetricError> {
    if refs.is_empty() {
        return Err(MetricError::NoReferences);
    }
    if cfg.max_ngram_order == 0 {
        return Err(MetricError::ZeroOrder("max_ngram_order"));
    }
    let refs: Vec<&str> = refs.iter().map(|r| r.as_ref()).collect();
    Ok(segment_stats(hyp, &refs, cfg))
}

pub(crate) fn check_shapes(
    hyps: usize,
    streams: impl ExactSizeIterator<Item = usize>,
) -> Result<(), MetricError> {
    if hyps == 0 {
        return Err(MetricError::EmptyCorpus);
    }
    if streams.len() == 0 {
        return Err(MetricError::NoReferences);
    }
    for (stream, len) in streams.enumerate() {
        if len != hyps {
            return Err(MetricError::LengthMismatch {
                hyps,
                stream,
                refs: len,
            });
        }
    }
    Ok(())
}

fn preprocess(sent: &str, cfg: &BleuConfig) -> String {
    if cfg.lowercase {
        cfg.tokenizer.tokenize(py_rstrip(&sent.to_lowercase()))
    } else {
        cfg.tokenizer.tokenize(py_rstrip(sent))
    }
}

/// Word n-grams of orders 1..=n with counts.
fn ngram_counts<'a>(tokens: &'a [&'a str], n: usize) -> HashMap<&'a [&'a str], u64> {
    let mut counts = HashMap::new();
    for order in 1..=n {
        for w in tokens.windows(order) {
            *counts.entry(w).or_insert(0) += 1;
        }
    }
    counts
}

/// `[hyp_len, ref_len, correct_1..=N, total_1..=N]` for one segment.
fn segment_stats(hyp: &str, refs: &[&str], cfg: &BleuConfig) -> Vec<u64> {
    let n = cfg.max_ngram_order;
    let ref_texts: Vec<String> = refs.iter().map(|r| preprocess(r, cfg)).collect();
    let ref_tokens: Vec<Vec<&str>> = ref_texts.iter().map(|t| py_split(t).collect()).collect();
    let mut ref_max: HashMap<&[&str], u64> = HashMap::new();
    for toks in &ref_tokens {
        for (ng, c) in ngram_counts(toks, n) {
            let e = ref_max.entry(ng).or_insert(0);
            *e = (*e).max(c);
        }
    }
    let hyp_text = preprocess(hyp, cfg);
    let hyp_tokens: Vec<&str> = py_split(&hyp_text).collect();
    let hyp_len = hyp_tokens.len();
    let ref_len = closest_ref_len(hyp_len, ref_tokens.iter().map(Vec::len));

    let mut out = vec![0u64; 2 + 2 * n];
    out[0] = hyp_len as u64;
    out[1] = ref_len as u64;
    for (ng, c) in ngram_counts(&hyp_tokens, n) {
        let order = ng.len() - 1;
        out[2 + n + order] += c;
        if let Some(&r) = ref_max.get(ng) {
            out[2 + order] += c.min(r);
        }
    }
    out
}

/// The reference length closest to the hypothesis length; the shorter one on ties.
fn closest_ref_len(hyp_len: usize, ref_lens: impl Iterator<Item = usize>) -> usize {
    let mut best: Option<(usize, usize)> = None; // (diff, len)
    for len in ref_lens {
        let diff = hyp_len.abs_diff(len);
        best = match best {
            None => Some((diff, len)),
            Some((d, l)) if diff < d || (diff == d && len < l) => Some((diff, len)),
            keep => keep,
        };
    }
    best.map_or(0, |(_, l)| l)
}

/// Python's `my_log`: log with log(0) floored to -9999999999.
fn floored_log(x: f64) -> f64 {
    if x == 0.0 { -9_999_999_999.0 } else { x.ln() }
}

/// sacreBLEU `BLEU.compute_bleu`.
fn score_from_stats(stats: &[u64], cfg: &BleuConfig) -> BleuScore {
    let n = cfg.max_ngram_order;
    let sys_len = stats[0];
    let ref_len = stats[1];
    let counts = stats[2..2 + n].to_vec();
    let totals = stats[2 + n..2 + 2 * n].to_vec();

    let brevity_penalty = if sys_len < ref_len {
        if sys_len > 0 {
            (1.0 - ref_len as f64 / sys_len as f64).exp()
        } else {
            0.0
        }
    } else {
        1.0
    };
    let mut precisions = vec![0.0f64; n];
    let base = BleuScore {
        score: 0.0,
        counts: counts.clone(),
        totals: totals.clone(),
        precisions: precisions.clone(),
        brevity_penalty,
        sys_len,
        ref_len,
        tokenizer: cfg.tokenizer,
    };
    // sacreBLEU returns 0 early when nothing matches at any order (its issue #141).
    if counts.iter().all(|&c| c == 0) {
        return base;
    }
    let mut correct: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
    let mut total: Vec<f64> = totals.iter().map(|&t| t as f64).collect();
    let mut smooth_mteval = 1.0f64;
    let mut eff_order = n;
    for k in 0..n {
        if let Smoothing::AddK(v) = cfg.smoothing
            && k > 0
        {
            correct[k] += v;
            total[k] += v;
        }
        if total[k] == 0.0 {
            break;
        }
        if cfg.effective_order {
            eff_order = k + 1;
        }
        if correct[k] == 0.0 {
            match cfg.smoothing {
                Smoothing::Exp => {
                    smooth_mteval *= 2.0;
                    precisions[k] = 100.0 / (smooth_mteval * total[k]);
                }
                Smoothing::Floor(v) => precisions[k] = 100.0 * v / total[k],
                Smoothing::None | Smoothing::AddK(_) => {}
            }
        } else {
            precisions[k] = 100.0 * correct[k] / total[k];
        }
    }
    let log_sum: f64 = precisions[..eff_order]
        .iter()
        .map(|&p| floored_log(p))
        .sum();
    BleuScore {
        score: brevity_penalty * (log_sum / eff_order as f64).exp(),
        precisions,
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand computation: hyp "the cat sat" vs ref "the cat sat down": 3/3, 2/2, 1/1, no 4-grams;
    /// BP = exp(1 - 4/3). With effective order the mean runs over 3 orders of 100%.
    #[test]
    fn hand_computed_sentence() {
        let cfg = BleuConfig::default().sentence();
        let s = sentence_bleu("the cat sat", &["the cat sat down"], &cfg).unwrap_or_else(|e| {
            panic!("{e}");
        });
        let bp = (1.0f64 - 4.0 / 3.0).exp();
        assert!((s.score - 100.0 * bp).abs() < 1e-9, "{}", s.score);
        assert_eq!(s.counts, [3, 2, 1, 0]);
        assert_eq!(s.totals, [3, 2, 1, 0]);
    }

    #[test]
    fn clipping_and_closest_length() {
        // "the the the" vs refs "the cat" / "a the the x y": clip by max count over refs = 2;
        // closest ref length to 3: 2 (diff 1) vs 5 (diff 2) -> 2.
        let cfg = BleuConfig::default();
        let s = corpus_bleu_multi(&["the the the"], &[&["the cat"], &["a the the x y"]], &cfg)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.counts[0], 2);
        assert_eq!(s.counts[1], 1);
        assert_eq!(s.ref_len, 2);
        assert_eq!(closest_ref_len(4, [3, 5].into_iter()), 3);
    }

    #[test]
    fn shape_errors() {
        let cfg = BleuConfig::default();
        let empty: [&str; 0] = [];
        assert!(matches!(
            corpus_bleu(&empty, &empty, &cfg),
            Err(MetricError::EmptyCorpus)
        ));
        assert!(matches!(
            corpus_bleu(&["a", "b"], &["a"], &cfg),
            Err(MetricError::LengthMismatch {
                hyps: 2,
                stream: 0,
                refs: 1
            })
        ));
        let none: [&str; 0] = [];
        assert!(matches!(
            sentence_bleu("a", &none, &cfg),
            Err(MetricError::NoReferences)
        ));
    }
}
