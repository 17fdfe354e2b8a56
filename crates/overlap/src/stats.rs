//! Per-language activation statistics: the activation probability of every neuron.

use serde::{Deserialize, Serialize};

use crate::{ModelShape, OverlapError};

/// Activation statistics of one language: `p[layer * neurons + n] = over_zero / n_tokens`, and
/// optionally the mean activation of every neuron.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LanguageStats {
    /// Language code as the caller names it (e.g. "sw").
    pub language: String,
    /// Activation probability of each neuron, in `[0, 1]`.
    pub p: Vec<f64>,
    /// Mean activation of each neuron over the same tokens, if known.
    pub mean: Option<Vec<f64>>,
}

/// The statistics of several languages over one model shape, validated on insertion (and on
/// deserialisation, which replays the insertions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TableRepr")]
pub struct StatsTable {
    shape: ModelShape,
    languages: Vec<LanguageStats>,
}

#[derive(Deserialize)]
struct TableRepr {
    shape: ModelShape,
    languages: Vec<LanguageStats>,
}

impl TryFrom<TableRepr> for StatsTable {
    type Error = OverlapError;
    fn try_from(r: TableRepr) -> Result<Self, OverlapError> {
        let mut table = StatsTable::new(r.shape);
        for l in r.languages {
            table.push(l.language.clone(), l.p)?;
            if let Some(mean) = l.mean {
                table.set_mean(&l.language, mean)?;
            }
        }
        Ok(table)
    }
}

impl StatsTable {
    pub fn new(shape: ModelShape) -> Self {
        StatsTable {
            shape,
            languages: Vec::new(),
        }
    }

    pub fn shape(&self) -> ModelShape {
        self.shape
    }

    /// Add a language from its probabilities (length `layers * neurons`, each finite in [0, 1]).
    pub fn push(&mut self, language: impl Into<String>, p: Vec<f64>) -> Result<(), OverlapError> {
        let language = language.into();
        let what = format!("activation probabilities of {language:?}");
        self.shape.check_len(&what, p.len())?;
        for (i, &v) in p.iter().enumerate() {
            let problem = if !v.is_finite() {
                Some("not finite")
            } else if !(0.0..=1.0).contains(&v) {
                Some("outside [0, 1]")
            } else {
                None
            };
            if let Some(problem) = problem {
                let (layer, neuron) = self.shape.split(i as u32);
                return Err(OverlapError::BadValue {
                    what,
                    index: i,
                    layer,
                    neuron,
                    value: v,
                    problem,
                });
            }
        }
        self.insert(LanguageStats {
            language,
            p,
            mean: None,
        })
    }

    /// Add a language from `over_zero` counts over `tokens` tokens (as `llm-runtime`'s
    /// `CorpusStats` holds them).
    pub fn push_counts(
        &mut self,
        language: impl Into<String>,
        over_zero: &[u64],
        tokens: u64,
    ) -> Result<(), OverlapError> {
        let language = language.into();
        self.shape.check_len(
            &format!("over_zero counts of {language:?}"),
            over_zero.len(),
        )?;
        if tokens == 0 {
            return Err(OverlapError::NoTokens { language });
        }
        if let Some((index, &count)) = over_zero.iter().enumerate().find(|(_, c)| **c > tokens) {
            return Err(OverlapError::CountExceedsTokens {
                language,
                index,
                count,
                tokens,
            });
        }
        let p = over_zero
            .iter()
            .map(|&c| c as f64 / tokens as f64)
            .collect();
        self.insert(LanguageStats {
            language,
            p,
            mean: None,
        })
    }

    /// Attach mean activations (finite, length `layers * neurons`) to a language already added.
    pub fn set_mean(&mut self, language: &str, mean: Vec<f64>) -> Result<(), OverlapError> {
        let idx = self.index_of(language)?;
        let what = format!("mean activations of {language:?}");
        self.shape.check_len(&what, mean.len())?;
        if let Some((i, &v)) = mean.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            let (layer, neuron) = self.shape.split(i as u32);
            return Err(OverlapError::BadValue {
                what,
                index: i,
                layer,
                neuron,
                value: v,
                problem: "not finite",
            });
        }
        self.languages[idx].mean = Some(mean);
        Ok(())
    }

    fn insert(&mut self, stats: LanguageStats) -> Result<(), OverlapError> {
        if self.languages.iter().any(|l| l.language == stats.language) {
            return Err(OverlapError::DuplicateLanguage {
                language: stats.language,
            });
        }
        self.languages.push(stats);
        Ok(())
    }

    /// Language codes in insertion order.
    pub fn languages(&self) -> Vec<&str> {
        self.languages.iter().map(|l| l.language.as_str()).collect()
    }

    pub fn len(&self) -> usize {
        self.languages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.languages.is_empty()
    }

    /// Position of a language in insertion order.
    pub fn index_of(&self, language: &str) -> Result<usize, OverlapError> {
        self.languages
            .iter()
            .position(|l| l.language == language)
            .ok_or_else(|| OverlapError::UnknownLanguage {
                language: language.to_string(),
                known: self.languages().join(", "),
            })
    }

    /// Statistics of one language.
    pub fn get(&self, language: &str) -> Result<&LanguageStats, OverlapError> {
        Ok(&self.languages[self.index_of(language)?])
    }

    /// All languages' statistics, in insertion order.
    pub fn stats(&self) -> &[LanguageStats] {
        &self.languages
    }
}
