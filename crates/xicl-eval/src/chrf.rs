//! chrF and chrF++ with sacreBLEU 2.x's exact definition (`sacrebleu.metrics.CHRF`).
//!
//! Character n-grams 1..=6 over the text with all whitespace removed; chrF++ adds word n-grams
//! 1..=2 over words whose leading or trailing ASCII punctuation is split off. Per order the
//! statistics are (hypothesis n-grams, reference n-grams, matches); the corpus score sums them
//! over segments and only then computes F-beta (beta = 2) from precision and recall averaged
//! over the orders that have both hypothesis and reference n-grams ("effective order", the
//! sacreBLEU 2.x default; `eps_smoothing` selects the chrF++.py / NLTK variant instead).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::bleu::check_shapes;
use crate::error::MetricError;
use crate::pytext::{py_split, remove_py_space};

/// chrF settings; `Default` is sacreBLEU's chrF (6, 0, 2), [`ChrfConfig::chrf_pp`] its chrF++.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChrfConfig {
    pub char_order: usize,
    pub word_order: usize,
    pub beta: u32,
    pub lowercase: bool,
    /// Keep whitespace inside character n-grams.
    pub whitespace: bool,
    pub eps_smoothing: bool,
}

impl Default for ChrfConfig {
    fn default() -> Self {
        ChrfConfig {
            char_order: 6,
            word_order: 0,
            beta: 2,
            lowercase: false,
            whitespace: false,
            eps_smoothing: false,
        }
    }
}

impl ChrfConfig {
    /// chrF: character order 6, no word n-grams, beta 2.
    pub fn chrf() -> Self {
        ChrfConfig::default()
    }

    /// chrF++: character order 6, word order 2, beta 2.
    pub fn chrf_pp() -> Self {
        ChrfConfig {
            word_order: 2,
            ..ChrfConfig::default()
        }
    }

    /// sacreBLEU's name for the score: `chrF2`, `chrF2++`.
    pub fn name(&self) -> String {
        format!("chrF{}{}", self.beta, "+".repeat(self.word_order))
    }

    fn orders(&self) -> usize {
        self.char_order + self.word_order
    }
}

/// A chrF score in 0..=100 and its summed statistics `[hyp, ref, match]` per order
/// (character orders first, then word orders).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChrfScore {
    pub name: String,
    pub score: f64,
    pub stats: Vec<[u64; 3]>,
}

/// Corpus chrF with one reference per hypothesis.
pub fn corpus_chrf<H: AsRef<str>, R: AsRef<str>>(
    hyps: &[H],
    refs: &[R],
    cfg: &ChrfConfig,
) -> Result<ChrfScore, MetricError> {
    corpus_chrf_multi(hyps, &[refs], cfg)
}

/// Corpus chrF with several reference streams; per segment the reference giving the best
/// segment F score contributes its statistics (as sacreBLEU).
pub fn corpus_chrf_multi<H: AsRef<str>, R: AsRef<str>>(
    hyps: &[H],
    ref_streams: &[&[R]],
    cfg: &ChrfConfig,
) -> Result<ChrfScore, MetricError> {
    check_shapes(hyps.len(), ref_streams.iter().map(|s| s.len()))?;
    check_orders(cfg)?;
    let mut total = vec![[0u64; 3]; cfg.orders()];
    let mut refs_of_segment: Vec<&str> = Vec::with_capacity(ref_streams.len());
    for (i, hyp) in hyps.iter().enumerate() {
        refs_of_segment.clear();
        refs_of_segment.extend(ref_streams.iter().map(|s| s[i].as_ref()));
        let seg = segment_stats(hyp.as_ref(), &refs_of_segment, cfg);
        for (acc, s) in total.iter_mut().zip(seg) {
            for k in 0..3 {
                acc[k] += s[k];
            }
        }
    }
    Ok(ChrfScore {
        name: cfg.name(),
        score: f_score(&total, cfg),
        stats: total,
    })
}

/// Sentence chrF (`sacrebleu.sentence_chrf`): the statistics of one segment.
pub fn sentence_chrf<R: AsRef<str>>(
    hyp: &str,
    refs: &[R],
    cfg: &ChrfConfig,
) -> Result<ChrfScore, MetricError> {
    if refs.is_empty() {
        return Err(MetricError::NoReferences);
    }
    check_orders(cfg)?;
    let refs: Vec<&str> = refs.iter().map(|r| r.as_ref()).collect();
    let stats = segment_stats(hyp, &refs, cfg);
    Ok(ChrfScore {
        name: cfg.name(),
        score: f_score(&stats, cfg),
        stats,
    })
}

/// The chrF score of summed statistics `[hyp, ref, match]` per order (as
/// [`ChrfScore::stats`]): what [`corpus_chrf`] computes after summing its segments, so that a
/// corpus score can be recomputed from per-segment statistics (paired tests resample them).
pub fn chrf_from_statistics(stats: &[[u64; 3]], cfg: &ChrfConfig) -> Result<f64, MetricError> {
    check_orders(cfg)?;
    if stats.len() != cfg.orders() {
        return Err(MetricError::StatisticsShape {
            expected: cfg.orders(),
            found: stats.len(),
        });
    }
    Ok(f_score(stats, cfg))
}

fn check_orders(cfg: &ChrfConfig) -> Result<(), MetricError> {
    if cfg.orders() == 0 {
        Err(MetricError::ZeroOrder("char_order + word_order"))
    } else {
        Ok(())
    }
}

/// Python `string.punctuation`.
fn is_ascii_punct(c: char) -> bool {
    c.is_ascii_punctuation()
}

/// sacreBLEU `CHRF._remove_punctuation`: split each word's last (else first) ASCII punctuation
/// character off; one-character words stay whole.
fn split_punctuation(sent: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for w in py_split(sent) {
        let mut chars = w.char_indices();
        let first = chars.next();
        let second = chars.next();
        let (Some((_, c0)), Some((i1, _))) = (first, second) else {
            out.push(w);
            continue;
        };
        let (last_at, last) = w.char_indices().next_back().unwrap_or((0, c0));
        if is_ascii_punct(last) {
            out.push(&w[..last_at]);
            out.push(&w[last_at..]);
        } else if is_ascii_punct(c0) {
            out.push(&w[..i1]);
            out.push(&w[i1..]);
        } else {
            out.push(w);
        }
    }
    out
}

/// One counter per order: character orders 1..=char_order, then word orders 1..=word_order.
/// Keys are string slices of `chars_text` / joined word n-grams.
fn all_ngrams(text: &str, cfg: &ChrfConfig) -> Vec<HashMap<String, u64>> {
    let mut out = Vec::with_capacity(cfg.orders());
    let line = if cfg.whitespace {
        text.to_owned()
    } else {
        remove_py_space(text)
    };
    let bounds: Vec<usize> = line
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(line.len()))
        .collect();
    let nchars = bounds.len() - 1;
    for n in 1..=cfg.char_order {
        let mut c: HashMap<String, u64> = HashMap::new();
        if nchars >= n {
            for i in 0..=nchars - n {
                *c.entry(line[bounds[i]..bounds[i + n]].to_owned())
                    .or_insert(0) += 1;
            }
        }
        out.push(c);
    }
    if cfg.word_order > 0 {
        let words = split_punctuation(text);
        for n in 1..=cfg.word_order {
            let mut c: HashMap<String, u64> = HashMap::new();
            for w in words.windows(n) {
                *c.entry(w.join(" ")).or_insert(0) += 1;
            }
            out.push(c);
        }
    }
    out
}

fn segment_stats(hyp: &str, refs: &[&str], cfg: &ChrfConfig) -> Vec<[u64; 3]> {
    let prep = |s: &str| {
        if cfg.lowercase {
            s.to_lowercase()
        } else {
            s.to_owned()
        }
    };
    let hyp_ngrams = all_ngrams(&prep(hyp), cfg);
    let mut best: Option<(f64, Vec<[u64; 3]>)> = None;
    for r in refs {
        let ref_ngrams = all_ngrams(&prep(r), cfg);
        let stats: Vec<[u64; 3]> = hyp_ngrams
            .iter()
            .zip(&ref_ngrams)
            .map(|(h, r)| match_stats(h, r))
            .collect();
        let f = f_score(&stats, cfg);
        // strictly greater, starting below any score: the first best reference wins
        if best.as_ref().is_none_or(|(bf, _)| f > *bf) {
            best = Some((f, stats));
        }
    }
    best.map(|(_, s)| s)
        .unwrap_or_else(|| vec![[0; 3]; cfg.orders()])
}

/// sacreBLEU `_get_match_statistics`: hypothesis count is reported as 0 when the reference has
/// no n-gram of that order.
fn match_stats(hyp: &HashMap<String, u64>, r: &HashMap<String, u64>) -> [u64; 3] {
    let mut matched = 0;
    let mut hyp_count = 0;
    for (ng, &c) in hyp {
        hyp_count += c;
        if let Some(&rc) = r.get(ng) {
            matched += c.min(rc);
        }
    }
    let ref_count = r.values().sum();
    [if r.is_empty() { 0 } else { hyp_count }, ref_count, matched]
}

/// sacreBLEU `CHRF._compute_f_score`.
fn f_score(stats: &[[u64; 3]], cfg: &ChrfConfig) -> f64 {
    const EPS: f64 = 1e-16;
    let factor = f64::from(cfg.beta).powi(2);
    let mut score = 0.0;
    let mut effective_order = 0usize;
    let (mut avg_prec, mut avg_rec) = (0.0f64, 0.0f64);
    for &[n_hyp, n_ref, n_match] in stats {
        let prec = if n_hyp > 0 {
            n_match as f64 / n_hyp as f64
        } else {
            EPS
        };
        let rec = if n_ref > 0 {
            n_match as f64 / n_ref as f64
        } else {
            EPS
        };
        let denom = factor * prec + rec;
        score += if denom > 0.0 {
            (1.0 + factor) * prec * rec / denom
        } else {
            EPS
        };
        if n_hyp > 0 && n_ref > 0 {
            avg_prec += prec;
            avg_rec += rec;
            effective_order += 1;
        }
    }
    if cfg.eps_smoothing {
        return 100.0 * score / stats.len() as f64;
    }
    if effective_order == 0 {
        avg_prec = 0.0;
        avg_rec = 0.0;
    } else {
        avg_prec /= effective_order as f64;
        avg_rec /= effective_order as f64;
    }
    if avg_prec + avg_rec != 0.0 {
        100.0 * (1.0 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_split_as_sacrebleu() {
        // sacreBLEU splits '(hi)' into '(hi' and ')' (its issue #124): last punctuation first.
        assert_eq!(
            split_punctuation("(hi) there! , 'x y. ab"),
            ["(hi", ")", "there", "!", ",", "'", "x", "y", ".", "ab"]
        );
        assert_eq!(split_punctuation("é. «a»"), ["é", ".", "«a»"]);
    }

    /// Hand computation: hyp "ab", ref "abc", chrF with char order 2.
    /// Order 1: hyp {a,b} = 2, ref 3, match 2 -> P = 1, R = 2/3.
    /// Order 2: hyp {ab} = 1, ref {ab, bc} = 2, match 1 -> P = 1, R = 1/2.
    /// avg P = 1, avg R = 7/12; F2 = 5 * P * R / (4P + R).
    #[test]
    fn hand_computed_chrf() {
        let cfg = ChrfConfig {
            char_order: 2,
            ..ChrfConfig::default()
        };
        let s = sentence_chrf("a b", &["abc"], &cfg).unwrap_or_else(|e| panic!("{e}"));
        let (p, r) = (1.0f64, 7.0 / 12.0);
        let want = 100.0 * 5.0 * p * r / (4.0 * p + r);
        assert!((s.score - want).abs() < 1e-12, "{} vs {want}", s.score);
        assert_eq!(s.stats, vec![[2, 3, 2], [1, 2, 1]]);
    }

    #[test]
    fn empty_reference_zeroes_hypothesis_count() {
        let s =
            sentence_chrf("abc", &[""], &ChrfConfig::chrf_pp()).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.stats.iter().all(|o| o[0] == 0));
        assert_eq!(s.score, 0.0);
    }
}
