//! Filters that remove pairs unsuited to probing or evaluation.
//!
//! Repeated `source target` pairs never reach a [`Dictionary`]: they are dropped (and
//! counted in [`crate::ParseStats::duplicate_pairs`]) when it is built. The filters here
//! remove the other kinds of unwanted pairs.

use std::collections::HashSet;

use crate::dictionary::Dictionary;

/// Whether `token` counts as a word: it contains at least one character with the Unicode
/// `Alphabetic` property (Latin, Cyrillic, Arabic, Hebrew, Thai, Hangul, kana, CJK
/// ideographs, … letters and the marks Unicode classes as alphabetic).
///
/// So tokens made only of digits, punctuation, symbols or whitespace are *non-words*:
/// `"1990"`, `"%"`, `"¥"`, `"}}"`, `"__"`, `"3.14"`, `""`. A token with any letter is a word,
/// even if it also has digits or symbols: `"mp3"`, `"c++"`, `"x-ray"`.
pub fn is_word(token: &str) -> bool {
    token.chars().any(char::is_alphabetic)
}

impl Dictionary {
    /// Drop pairs whose target is the same string as the source (MUSE lists many such
    /// pairs, e.g. `okay okay`, mostly beyond rank 6500; as probes they are copy tasks).
    pub fn without_identical(&self) -> Dictionary {
        self.retain_pairs(|s, t| s != t)
    }

    /// Drop pairs whose source or target is not a word in the sense of [`is_word`].
    pub fn words_only(&self) -> Dictionary {
        self.retain_pairs(|s, t| is_word(s) && is_word(t))
    }

    /// Drop entries whose source word is also a source word of `other` (e.g. remove the
    /// test words from a training list before drawing in-context examples).
    pub fn without_sources_of(&self, other: &Dictionary) -> Dictionary {
        let taken: HashSet<&str> = other.entries().iter().map(|e| e.source.as_str()).collect();
        self.retain_entries(|e| !taken.contains(e.source.as_str()))
    }
}
