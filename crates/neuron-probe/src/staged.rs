//! What a pipeline call computed and what it found in the artifact cache.
//!
//! Every stage knows whether it loaded an artifact or computed (and saved) it, and says so in
//! its return value; the pipeline adds the stages up. Reports show it ("probe: 1 from cache")
//! and tests assert on it, so nobody has to infer it from file times.

use serde::{Deserialize, Serialize};

/// Which of a stage's outputs (languages, pairs) were computed now and which were loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageCache {
    pub computed: Vec<String>,
    pub cached: Vec<String>,
}

impl StageCache {
    pub fn computed(label: impl Into<String>) -> Self {
        StageCache {
            computed: vec![label.into()],
            cached: Vec::new(),
        }
    }

    pub fn cached(label: impl Into<String>) -> Self {
        StageCache {
            computed: Vec::new(),
            cached: vec![label.into()],
        }
    }

    /// Nothing computed or loaded (a stage that did not run).
    pub fn is_empty(&self) -> bool {
        self.computed.is_empty() && self.cached.is_empty()
    }

    /// Add another call's outputs, each label listed once (computed wins over cached).
    pub fn merge(&mut self, other: &StageCache) {
        for c in &other.computed {
            self.cached.retain(|x| x != c);
            if !self.computed.contains(c) {
                self.computed.push(c.clone());
            }
        }
        for c in &other.cached {
            if !self.computed.contains(c) && !self.cached.contains(c) {
                self.cached.push(c.clone());
            }
        }
    }

    /// `language statistics: 2 computed (sw fr), 3 from cache`.
    pub fn describe(&self, what: &str) -> String {
        let total = self.computed.len() + self.cached.len();
        match (self.computed.len(), self.cached.len()) {
            (0, 0) => format!("{what}: none"),
            (_, 0) => format!("{what}: {total} computed"),
            (0, _) => format!("{what}: {total} from cache"),
            (c, h) => format!(
                "{what}: {c} computed ({}), {h} from cache",
                self.computed.join(" ")
            ),
        }
    }
}

/// The cache use of each stage of a call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageLog {
    /// Language statistics, by language.
    pub stats: StageCache,
    /// Probe tensors, by pair.
    pub probe: StageCache,
    /// The understanding filter's judgements, by pair.
    pub filter: StageCache,
}

impl StageLog {
    pub fn merge(&mut self, other: &StageLog) {
        self.stats.merge(&other.stats);
        self.probe.merge(&other.probe);
        self.filter.merge(&other.filter);
    }
}

/// A stage's or the pipeline's result with its [`StageLog`].
#[derive(Debug, Clone, PartialEq)]
pub struct Staged<T> {
    pub value: T,
    pub log: StageLog,
}

impl<T> Staged<T> {
    pub fn new(value: T, log: StageLog) -> Self {
        Staged { value, log }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Staged<U> {
        Staged {
            value: f(self.value),
            log: self.log,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_each_label_once_and_computed_wins() {
        let mut a = StageCache::cached("en");
        a.merge(&StageCache::computed("sw"));
        a.merge(&StageCache::cached("sw"));
        a.merge(&StageCache::computed("en"));
        assert_eq!(a.computed, vec!["sw", "en"]);
        assert!(a.cached.is_empty());
        assert_eq!(a.describe("probe"), "probe: 2 computed");
        let mixed = StageCache {
            computed: vec!["sw".into()],
            cached: vec!["en".into(), "de".into()],
        };
        assert_eq!(
            mixed.describe("language statistics"),
            "language statistics: 1 computed (sw), 2 from cache"
        );
        assert_eq!(StageCache::default().describe("x"), "x: none");
    }
}
