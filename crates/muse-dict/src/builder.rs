//! Building a dictionary's entries pair by pair: grouping a source word's lines at its first
//! appearance and keeping each `source target` pair once (shared by parsing, pivoting and the
//! constructors).

use std::collections::HashSet;

use crate::entry::Entry;
use crate::index::SourceIndex;

/// Grouping and dedupe of entries.
#[derive(Default)]
pub(crate) struct Builder {
    entries: Vec<Entry>,
    index: SourceIndex,
    /// Pairs of the few entries with many targets, so dedupe stays linear-time on odd input.
    many: HashSet<(usize, String)>,
    last: Option<usize>,
    regrouped: Vec<bool>,
}

/// Above this many targets an entry's dedupe switches from a scan to the hash set.
const SCAN_LIMIT: usize = 16;

impl Builder {
    /// A builder sized for about `pairs` pairs, so no table or vector regrows while parsing.
    pub(crate) fn with_capacity(pairs: usize) -> Builder {
        Builder {
            entries: Vec::with_capacity(pairs),
            index: SourceIndex::with_capacity(pairs),
            regrouped: Vec::with_capacity(pairs),
            ..Builder::default()
        }
    }

    /// Add one pair; returns false if it was already there.
    pub(crate) fn push(&mut self, source: &str, target: &str) -> bool {
        // Most files list a word's translations on consecutive lines: skip the hash lookup.
        let known = match self.last {
            Some(i) if self.entries[i].source == source => Ok(i),
            _ => self.index.probe(&self.entries, source),
        };
        let i = match known {
            Ok(i) => {
                if self.last != Some(i) {
                    self.regrouped[i] = true;
                }
                i
            }
            Err(vacancy) => {
                let i = self.entries.len();
                self.entries.push(Entry {
                    source: source.to_owned(),
                    targets: Vec::with_capacity(2),
                });
                self.index.fill(&self.entries, vacancy, i);
                self.regrouped.push(false);
                i
            }
        };
        self.last = Some(i);
        let targets = &mut self.entries[i].targets;
        let dup = if targets.len() <= SCAN_LIMIT {
            targets.iter().any(|t| t == target)
        } else {
            self.many.contains(&(i, target.to_owned()))
        };
        if dup {
            return false;
        }
        targets.push(target.to_owned());
        if targets.len() == SCAN_LIMIT + 1 {
            self.many.extend(targets.iter().map(|t| (i, t.clone())));
        } else if targets.len() > SCAN_LIMIT + 1 {
            self.many.insert((i, target.to_owned()));
        }
        true
    }

    /// Number of sources whose lines were not all contiguous.
    pub(crate) fn regrouped_sources(&self) -> usize {
        self.regrouped.iter().filter(|&&r| r).count()
    }

    /// The grouped entries and their index.
    pub(crate) fn finish(mut self) -> (Vec<Entry>, SourceIndex) {
        // The parse reserves one entry per line; give back the excess when lines repeat sources a lot.
        if self.entries.capacity() > 2 * self.entries.len() {
            self.entries.shrink_to_fit();
        }
        (self.entries, self.index)
    }
}
