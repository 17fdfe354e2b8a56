//! Linguistic similarity of languages from their neuron sets (docs/METHOD.md §2).

use serde::{Deserialize, Serialize};

use crate::{LanguageSets, OverlapError, StatsTable};

/// Overlap counts and cosine similarities over a list of languages (square, row = column order
/// of `languages`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarityMatrices {
    pub languages: Vec<String>,
    /// `overlap[i][j] = |T_i ∩ T_j|` (the diagonal is `|T_i|`).
    pub overlap: Vec<Vec<usize>>,
    /// `cosine[i][j]` = cosine similarity of the vectors `(p_i[n])` and `(p_j[n])` for `n` in
    /// `T_i ∩ T_j` (the same neurons, in the same order, in both vectors). Defined as 0 when the
    /// intersection is empty or either vector is all zeros. The reference's measure; on sets of
    /// generic neurons it is ≈ 1 for every pair.
    pub cosine: Vec<Vec<f64>>,
    /// `jaccard[i][j] = |T_i ∩ T_j| / |T_i ∪ T_j|` (0 when both sets are empty): the overlap
    /// with the set sizes taken out.
    #[serde(default)]
    pub jaccard: Vec<Vec<f64>>,
    /// Cosine similarity of the whole probability vectors `p_i` and `p_j` (every neuron of the
    /// model; 0 when either is all zeros).
    #[serde(default)]
    pub cosine_all: Vec<Vec<f64>>,
}

/// Cosine of `a` and `b` restricted to `ids` (every index when `None`); 0 when either part is
/// all zeros.
fn cosine_over(a: &[f64], b: &[f64], ids: Option<&[u32]>) -> f64 {
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    let mut add = |x: f64, y: f64| {
        dot += x * y;
        na += x * x;
        nb += y * y;
    };
    match ids {
        Some(ids) => ids.iter().for_each(|&i| add(a[i as usize], b[i as usize])),
        None => a.iter().zip(b).for_each(|(&x, &y)| add(x, y)),
    }
    if na > 0.0 && nb > 0.0 {
        dot / (na.sqrt() * nb.sqrt())
    } else {
        0.0
    }
}

/// Overlap-count and cosine matrices over `languages` (all languages of `sets` when empty).
/// Probabilities come from `table`, which must hold every language named.
pub fn similarity_matrices(
    table: &StatsTable,
    sets: &LanguageSets,
    languages: &[&str],
) -> Result<SimilarityMatrices, OverlapError> {
    table
        .shape()
        .check_same("statistics vs language sets", &sets.shape)?;
    let langs: Vec<String> = if languages.is_empty() {
        sets.languages.clone()
    } else {
        languages.iter().map(|s| s.to_string()).collect()
    };
    let k = langs.len();
    let mut t = Vec::with_capacity(k);
    let mut p = Vec::with_capacity(k);
    for l in &langs {
        t.push(sets.get(l)?);
        p.push(table.get(l)?.p.as_slice());
    }
    let mut overlap = vec![vec![0usize; k]; k];
    let mut cosine = vec![vec![0f64; k]; k];
    let mut jaccard = vec![vec![0f64; k]; k];
    let mut cosine_all = vec![vec![0f64; k]; k];
    for i in 0..k {
        for j in i..k {
            let common = t[i].intersection(t[j])?;
            let cos = cosine_over(p[i], p[j], Some(common.ids()));
            let union = t[i].len() + t[j].len() - common.len();
            let jac = if union == 0 {
                0.0
            } else {
                common.len() as f64 / union as f64
            };
            let all = cosine_over(p[i], p[j], None);
            overlap[i][j] = common.len();
            overlap[j][i] = common.len();
            cosine[i][j] = cos;
            cosine[j][i] = cos;
            jaccard[i][j] = jac;
            jaccard[j][i] = jac;
            cosine_all[i][j] = all;
            cosine_all[j][i] = all;
        }
    }
    Ok(SimilarityMatrices {
        languages: langs,
        overlap,
        cosine,
        jaccard,
        cosine_all,
    })
}

impl SimilarityMatrices {
    /// The bridge chosen by FLORES similarity (the ablation baseline of docs/METHOD.md §6): among
    /// `candidates`, the language whose neuron set shares the most neurons with `target`'s
    /// (`|T_k ∩ T_t|`), ties broken by the larger cosine, then by candidate order. The target is
    /// the pair's low-resource side, whose prompts the bridge is meant to help. `None` when the
    /// target or every candidate is missing from the matrices.
    pub fn most_similar(&self, target: &str, candidates: &[&str]) -> Option<String> {
        let t = self.languages.iter().position(|l| l == target)?;
        let mut best: Option<(usize, usize, f64)> = None;
        for c in candidates {
            let Some(k) = self.languages.iter().position(|l| l == c) else {
                continue;
            };
            if k == t {
                continue;
            }
            let (o, cos) = (self.overlap[t][k], self.cosine[t][k]);
            let better = match best {
                None => true,
                Some((_, bo, bc)) => o > bo || (o == bo && cos > bc),
            };
            if better {
                best = Some((k, o, cos));
            }
        }
        best.map(|(k, _, _)| self.languages[k].clone())
    }

    /// The overlap counts as a tab-separated table with a header row and column.
    pub fn overlap_tsv(&self) -> String {
        self.tsv(|i, j| self.overlap[i][j].to_string())
    }

    /// The cosine similarities as a tab-separated table (4 decimals).
    pub fn cosine_tsv(&self) -> String {
        self.tsv(|i, j| format!("{:.4}", self.cosine[i][j]))
    }

    /// The Jaccard similarities as a tab-separated table (4 decimals).
    pub fn jaccard_tsv(&self) -> String {
        self.tsv(|i, j| format!("{:.4}", self.jaccard[i][j]))
    }

    /// The all-neuron cosine similarities as a tab-separated table (6 decimals: they sit close
    /// together).
    pub fn cosine_all_tsv(&self) -> String {
        self.tsv(|i, j| format!("{:.6}", self.cosine_all[i][j]))
    }

    fn tsv(&self, cell: impl Fn(usize, usize) -> String) -> String {
        let mut out = String::from("lang");
        for l in &self.languages {
            out.push('\t');
            out.push_str(l);
        }
        out.push('\n');
        for (i, l) in self.languages.iter().enumerate() {
            out.push_str(l);
            for j in 0..self.languages.len() {
                out.push('\t');
                out.push_str(&cell(i, j));
            }
            out.push('\n');
        }
        out
    }
}
