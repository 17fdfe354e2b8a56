//! The [`Dictionary`] type: source words in rank order, each with its distinct targets.

use std::ops::Range;
use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::builder::Builder;
use crate::entry::Entry;
use crate::error::DictError;
use crate::index::SourceIndex;
use crate::parse::{self, Format, ParseMode, ParseStats};

/// A bilingual word list.
///
/// Entries are kept in *rank order*: the order in which each source word first appears in
/// the file (for MUSE, most frequent first). Lines of one source word are grouped at its
/// first appearance even when they are not contiguous, and repeated `source target` pairs
/// are kept once.
#[derive(Debug, Clone)]
pub struct Dictionary {
    entries: Vec<Entry>,
    index: SourceIndex,
    stats: Option<ParseStats>,
}

impl PartialEq for Dictionary {
    /// Two dictionaries are equal when they hold the same entries in the same order;
    /// parse statistics are ignored.
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}
impl Eq for Dictionary {}

impl Dictionary {
    fn built(b: Builder, stats: Option<ParseStats>) -> Dictionary {
        let (entries, index) = b.finish();
        Dictionary {
            entries,
            index,
            stats,
        }
    }

    fn parsed((b, stats): (Builder, ParseStats)) -> Dictionary {
        Dictionary::built(b, Some(stats))
    }

    /// Read a dictionary file. See [`Format`] for the accepted line shapes and
    /// [`ParseMode`] for what happens to malformed lines.
    pub fn from_path(
        path: &Path,
        format: Format,
        mode: ParseMode,
    ) -> Result<Dictionary, DictError> {
        let bytes = std::fs::read(path).map_err(|source| DictError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        parse::parse_bytes(&bytes, path, format, mode).map(Dictionary::parsed)
    }

    /// Parse dictionary text already in memory; `origin` only names the text in errors.
    pub fn parse(
        text: &str,
        origin: &Path,
        format: Format,
        mode: ParseMode,
    ) -> Result<Dictionary, DictError> {
        parse::parse_bytes(text.as_bytes(), origin, format, mode).map(Dictionary::parsed)
    }

    /// Build from `(source, target)` pairs in rank order (grouping and dedupe as for files).
    pub fn from_pairs<S: AsRef<str>, T: AsRef<str>>(
        pairs: impl IntoIterator<Item = (S, T)>,
    ) -> Dictionary {
        let mut b = Builder::default();
        for (s, t) in pairs {
            b.push(s.as_ref(), t.as_ref());
        }
        Dictionary::built(b, None)
    }

    /// Build from entries in rank order; repeated sources are merged at their first position
    /// (targets deduped), and entries without targets are dropped.
    pub fn from_entries(entries: impl IntoIterator<Item = Entry>) -> Dictionary {
        let mut b = Builder::default();
        for e in entries {
            for t in &e.targets {
                b.push(&e.source, t);
            }
        }
        Dictionary::built(b, None)
    }

    /// Entries known to have unique sources and unique targets (taken from another dictionary).
    pub(crate) fn from_unique(entries: Vec<Entry>) -> Dictionary {
        let index = SourceIndex::build(&entries);
        Dictionary {
            entries,
            index,
            stats: None,
        }
    }

    /// All entries in rank order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Number of distinct source words.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of distinct `source target` pairs.
    pub fn num_pairs(&self) -> usize {
        self.entries.iter().map(|e| e.targets.len()).sum()
    }

    /// Every `(source, target)` pair, in rank order then target order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().flat_map(|e| {
            e.targets
                .iter()
                .map(move |t| (e.source.as_str(), t.as_str()))
        })
    }

    /// Statistics of the parse, for dictionaries read from text; `None` for derived ones.
    pub fn parse_stats(&self) -> Option<&ParseStats> {
        self.stats.as_ref()
    }

    /// All translations of `source`, or `None` if it is not a source word.
    pub fn lookup(&self, source: &str) -> Option<&[String]> {
        self.index
            .find(&self.entries, source)
            .map(|i| self.entries[i].targets.as_slice())
    }

    /// 0-based rank of `source` in this dictionary.
    pub fn rank_of(&self, source: &str) -> Option<usize> {
        self.index.find(&self.entries, source)
    }

    /// Whether the pair `source target` is listed.
    pub fn contains(&self, source: &str, target: &str) -> bool {
        self.lookup(source)
            .is_some_and(|ts| ts.iter().any(|t| t == target))
    }

    /// The entries whose 0-based source rank lies in `r` (MUSE train = `0..5000`,
    /// test = `5000..6500`). The range is clipped to the dictionary, so a short dictionary
    /// gives a short (possibly empty) result instead of an error.
    pub fn rank_range(&self, r: Range<usize>) -> Dictionary {
        let end = r.end.min(self.len());
        let start = r.start.min(end);
        Dictionary::from_unique(self.entries[start..end].to_vec())
    }

    /// X→Y through English: for every X word of `x_en` (in X rank order), the Y translations
    /// of each of its English translations in `en_y`, in that order, without repeats.
    /// X words none of whose English words is in `en_y` are dropped.
    pub fn pivot(x_en: &Dictionary, en_y: &Dictionary) -> Dictionary {
        let mut b = Builder::default();
        for e in &x_en.entries {
            for en in &e.targets {
                for y in en_y.lookup(en).unwrap_or(&[]) {
                    b.push(&e.source, y);
                }
            }
        }
        Dictionary::built(b, None)
    }

    /// `n` source words drawn uniformly without replacement (all of them if `n >= len`),
    /// with all their targets, returned in rank order. The draw depends only on `seed`,
    /// `n` and `len` (ChaCha8 seeded with `seed`).
    pub fn sample(&self, n: usize, seed: u64) -> Dictionary {
        let n = n.min(self.len());
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut picked = rand::seq::index::sample(&mut rng, self.len(), n).into_vec();
        picked.sort_unstable();
        Dictionary::from_unique(
            picked
                .into_iter()
                .map(|i| self.entries[i].clone())
                .collect(),
        )
    }

    /// Keep the pairs for which `keep(source, target)` is true; entries left without
    /// targets are dropped. Rank order is kept.
    pub fn retain_pairs(&self, mut keep: impl FnMut(&str, &str) -> bool) -> Dictionary {
        let entries = self
            .entries
            .iter()
            .filter_map(|e| {
                let targets: Vec<String> = e
                    .targets
                    .iter()
                    .filter(|t| keep(&e.source, t))
                    .cloned()
                    .collect();
                (!targets.is_empty()).then(|| Entry {
                    source: e.source.clone(),
                    targets,
                })
            })
            .collect();
        Dictionary::from_unique(entries)
    }

    /// Keep the entries for which `keep(entry)` is true.
    pub fn retain_entries(&self, mut keep: impl FnMut(&Entry) -> bool) -> Dictionary {
        Dictionary::from_unique(self.entries.iter().filter(|e| keep(e)).cloned().collect())
    }
}
