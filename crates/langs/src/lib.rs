//! Language registry of BridgeX: the 20 languages of the data mirror with their ISO 639-1 and
//! FLORES-200 codes, English and native (prompt) names, family, script and resource tier.
//!
//! The table lives in `data/languages.toml` at the workspace root. It is embedded at compile
//! time and parsed once, on first use, so lookups are cheap and return `&'static` data.
//!
//! ```rust
//! let sw = langs::get("sw").unwrap();
//! assert_eq!(sw.flores, "swh_Latn");
//! assert_eq!(sw.native_name, "kiswahili");
//! assert_eq!(sw.tier, langs::Tier::Low);
//! // FLORES codes are accepted too, and case does not matter.
//! assert_eq!(langs::get("ZHO_HANS").unwrap().code, "zh");
//! // An unknown code names the nearest known ones.
//! let err = langs::get("sv").unwrap_err();
//! assert!(err.nearest.contains(&"sw"), "{err}");
//! assert_eq!(langs::paper_languages().len(), 15);
//! ```

mod distance;
mod registry;

pub use registry::RegistryError;

use std::fmt;
use std::sync::LazyLock;

/// Where the embedded table comes from, for error messages.
pub const REGISTRY_FILE: &str = "data/languages.toml";

/// How much text of a language a web-trained LLM has typically seen (see data/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    High,
    Moderate,
    Low,
}

impl Tier {
    /// The lower-case name used in `data/languages.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::High => "high",
            Tier::Moderate => "moderate",
            Tier::Low => "low",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One language of the registry. All strings live for the whole program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language {
    /// ISO 639-1 code, e.g. "sw".
    pub code: &'static str,
    /// FLORES-200 code, e.g. "swh_Latn".
    pub flores: &'static str,
    /// English name, e.g. "Swahili".
    pub english_name: &'static str,
    /// Name used in prompts (docs/METHOD.md section 3), e.g. "kiswahili".
    pub native_name: &'static str,
    /// Language family, e.g. "Niger-Congo".
    pub family: &'static str,
    /// ISO 15924 script code, e.g. "Latn".
    pub script: &'static str,
    pub tier: Tier,
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.english_name, self.code)
    }
}

/// A code that is neither a known ISO 639-1 nor a known FLORES-200 code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown language code {query:?} (not in {REGISTRY_FILE}); nearest known codes: {}",
    .nearest.join(", ")
)]
pub struct UnknownLanguage {
    /// The code as given.
    pub query: String,
    /// Up to three known codes (ISO or FLORES) closest by edit distance, nearest first.
    pub nearest: Vec<&'static str>,
}

static REGISTRY: LazyLock<registry::Registry> = LazyLock::new(|| {
    // The table is compiled in and checked by this crate's tests, so a failure here means
    // data/languages.toml was edited into an invalid state; there is no caller to hand it to.
    match registry::Registry::parse(include_str!("../../../data/languages.toml")) {
        Ok(r) => r,
        Err(e) => panic!("embedded language registry is invalid: {e}"),
    }
});

impl Language {
    /// The ISO 639-3 code of the FLORES-200 code (`swh` of `swh_Latn`).
    pub fn iso639_3(&self) -> &'static str {
        self.flores.split('_').next().unwrap_or(self.flores)
    }
}

/// Every language of the registry, in table order.
pub fn all() -> &'static [Language] {
    &REGISTRY.languages
}

/// Look a language up by ISO 639-1 code ("sw"), FLORES-200 code ("swh_Latn") or the ISO 639-3
/// code FLORES-200 uses ("swh"), ignoring ASCII case.
pub fn get(code: &str) -> Result<&'static Language, UnknownLanguage> {
    let reg = &*REGISTRY;
    reg.languages
        .iter()
        .find(|l| {
            l.code.eq_ignore_ascii_case(code)
                || l.flores.eq_ignore_ascii_case(code)
                || l.iso639_3().eq_ignore_ascii_case(code)
        })
        .ok_or_else(|| UnknownLanguage {
            query: code.to_owned(),
            nearest: distance::nearest(code, reg.all_codes(), 3),
        })
}

/// The 15 languages of the BridgeX-ICL paper (docs/METHOD.md section 7), in table order.
pub fn paper_languages() -> Vec<&'static Language> {
    REGISTRY
        .paper
        .iter()
        .map(|&i| &REGISTRY.languages[i])
        .collect()
}

/// The candidate bridges of docs/METHOD.md §5: high-resource languages the models know best.
/// The bridge ranking and the evaluation baselines both take their candidates from here.
pub const DEFAULT_BRIDGES: [&str; 6] = ["en", "de", "fr", "it", "pt", "es"];

/// [`DEFAULT_BRIDGES`] without `exclude` (a pair's own languages), in order.
pub fn default_bridges(exclude: &[&str]) -> Vec<&'static str> {
    DEFAULT_BRIDGES
        .iter()
        .copied()
        .filter(|c| !exclude.contains(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_by_both_codes_and_case() {
        assert_eq!(get("he").unwrap().flores, "heb_Hebr");
        assert_eq!(get("heb_Hebr").unwrap().code, "he");
        assert_eq!(get("HE").unwrap().code, "he");
        assert_eq!(get("heb_hebr").unwrap().code, "he");
    }

    #[test]
    fn lookup_by_iso_639_3_and_each_such_code_is_one_language() {
        // The reliability issue: `swh` (the ISO 639-3 code FLORES-200 uses) was refused.
        assert_eq!(get("swh").unwrap().code, "sw");
        assert_eq!(get("HEB").unwrap().code, "he");
        let mut seen = std::collections::HashSet::new();
        for l in all() {
            assert!(
                seen.insert(l.iso639_3()),
                "{} is two languages",
                l.iso639_3()
            );
            assert!(get(l.code).is_ok_and(|x| x.code == l.code));
        }
    }

    #[test]
    fn unknown_code_lists_nearest() {
        let e = get("swh_Latm").unwrap_err();
        assert_eq!(e.nearest[0], "swh_Latn");
        let msg = e.to_string();
        assert!(
            msg.contains("\"swh_Latm\"") && msg.contains("swh_Latn"),
            "{msg}"
        );
        let e = get("").unwrap_err();
        assert_eq!(e.nearest.len(), 3);
    }
}
