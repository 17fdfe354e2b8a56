//! Parsing and validation of `data/languages.toml`.

use crate::{Language, REGISTRY_FILE, Tier};
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

/// Why the registry text is unusable. Messages name the file, the line and the field.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{REGISTRY_FILE}: not valid registry TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("{REGISTRY_FILE}:{line}: field `{field}` = {value:?}: {expected}")]
    Field {
        line: usize,
        field: &'static str,
        value: String,
        expected: String,
    },
    #[error("{REGISTRY_FILE}: {0}")]
    Table(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    language: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    code: Spanned<String>,
    flores: Spanned<String>,
    english_name: Spanned<String>,
    native_name: Spanned<String>,
    family: Spanned<String>,
    script: Spanned<String>,
    tier: Spanned<String>,
    paper: bool,
}

#[derive(Debug)]
pub(crate) struct Registry {
    pub(crate) languages: Vec<Language>,
    /// Indices into `languages` of the paper's languages.
    pub(crate) paper: Vec<usize>,
}

/// Number of languages in the BridgeX-ICL paper (docs/METHOD.md section 7).
const PAPER_LANGUAGES: usize = 15;

impl Registry {
    pub(crate) fn parse(text: &str) -> Result<Registry, RegistryError> {
        let file: File = toml::from_str(text)?;
        let line_of = |span: std::ops::Range<usize>| {
            text[..span.start.min(text.len())].matches('\n').count() + 1
        };
        let bad = |s: &Spanned<String>, field: &'static str, expected: &str| RegistryError::Field {
            line: line_of(s.span()),
            field,
            value: s.get_ref().clone(),
            expected: expected.to_owned(),
        };

        let mut languages = Vec::with_capacity(file.language.len());
        let mut paper = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, e) in file.language.iter().enumerate() {
            let code = e.code.get_ref();
            if !(code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())) {
                return Err(bad(
                    &e.code,
                    "code",
                    "two lower-case ASCII letters (ISO 639-1)",
                ));
            }
            let flores = e.flores.get_ref();
            if !is_flores_code(flores) {
                return Err(bad(
                    &e.flores,
                    "flores",
                    "a FLORES-200 code like \"swh_Latn\"",
                ));
            }
            if flores[4..] != **e.script.get_ref() {
                return Err(bad(
                    &e.script,
                    "script",
                    &format!("the script part of flores code {flores:?}"),
                ));
            }
            for (s, field) in [
                (&e.english_name, "english_name"),
                (&e.native_name, "native_name"),
                (&e.family, "family"),
            ] {
                if s.get_ref().trim().is_empty() || s.get_ref().trim() != s.get_ref() {
                    return Err(bad(s, field, "a non-empty name without surrounding spaces"));
                }
            }
            let tier = match e.tier.get_ref().as_str() {
                "high" => Tier::High,
                "moderate" => Tier::Moderate,
                "low" => Tier::Low,
                _ => {
                    return Err(bad(
                        &e.tier,
                        "tier",
                        "one of \"high\", \"moderate\", \"low\"",
                    ));
                }
            };
            // ISO and FLORES codes share one namespace for `get`, compared without case.
            for (s, field) in [(&e.code, "code"), (&e.flores, "flores")] {
                let key = s.get_ref().to_ascii_lowercase();
                if let Some(prev) = seen.insert(key, i) {
                    return Err(bad(
                        s,
                        field,
                        &format!("a code not already used by language #{}", prev + 1),
                    ));
                }
            }
            if e.paper {
                paper.push(i);
            }
            languages.push(Language {
                code: leak(code),
                flores: leak(flores),
                english_name: leak(e.english_name.get_ref()),
                native_name: leak(e.native_name.get_ref()),
                family: leak(e.family.get_ref()),
                script: leak(e.script.get_ref()),
                tier,
            });
        }
        if paper.len() != PAPER_LANGUAGES {
            return Err(RegistryError::Table(format!(
                "{} languages have `paper = true`, expected the paper's {PAPER_LANGUAGES}",
                paper.len()
            )));
        }
        Ok(Registry { languages, paper })
    }

    /// ISO codes first, then FLORES codes, each in table order.
    pub(crate) fn all_codes(&self) -> impl Iterator<Item = &'static str> + '_ {
        let iso = self.languages.iter().map(|l| l.code);
        iso.chain(self.languages.iter().map(|l| l.flores))
    }
}

fn is_flores_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8
        && b[..3].iter().all(u8::is_ascii_lowercase)
        && b[3] == b'_'
        && b[4].is_ascii_uppercase()
        && b[5..].iter().all(u8::is_ascii_lowercase)
}

/// The registry is parsed once per process and lives until exit, so leaking is bounded.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, flores: &str, script: &str, tier: &str, paper: bool) -> String {
        format!(
            "[[language]]\ncode = \"{code}\"\nflores = \"{flores}\"\nenglish_name = \"X\"\n\
             native_name = \"X\"\nfamily = \"F\"\nscript = \"{script}\"\ntier = \"{tier}\"\n\
             paper = {paper}\n\n"
        )
    }

    fn fifteen() -> String {
        (0..15u8)
            .map(|i| {
                let c = char::from(b'a' + i);
                entry(
                    &format!("x{c}"),
                    &format!("xx{c}_Latn"),
                    "Latn",
                    "high",
                    true,
                )
            })
            .collect()
    }

    #[test]
    fn valid_table_parses() {
        let r = Registry::parse(&fifteen()).unwrap();
        assert_eq!(r.languages.len(), 15);
        assert_eq!(r.paper.len(), 15);
    }

    #[test]
    fn errors_name_line_and_field() {
        let text = fifteen() + &entry("sw", "swh_Latn", "Latn", "tiny", false);
        let e = Registry::parse(&text).unwrap_err().to_string();
        // 15 tables of 10 lines each, then `tier` is the 8th line of the 16th table.
        assert!(e.contains(":158: field `tier`"), "{e}");

        let text = fifteen() + &entry("sw", "swh_Latn", "Cyrl", "low", false);
        let e = Registry::parse(&text).unwrap_err().to_string();
        assert!(
            e.contains("field `script`") && e.contains("swh_Latn"),
            "{e}"
        );

        let text = fifteen() + &entry("xa", "swh_Latn", "Latn", "low", false);
        let e = Registry::parse(&text).unwrap_err().to_string();
        assert!(e.contains("field `code`") && e.contains("#1"), "{e}");

        let text = fifteen() + &entry("swa", "swh_Latn", "Latn", "low", false);
        assert!(
            Registry::parse(&text)
                .unwrap_err()
                .to_string()
                .contains("ISO 639-1")
        );

        let text = fifteen() + &entry("sw", "swh-Latn", "Latn", "low", false);
        assert!(
            Registry::parse(&text)
                .unwrap_err()
                .to_string()
                .contains("FLORES-200")
        );

        let text = fifteen() + &entry("sw", "swh_Latn", "Latn", "low", true);
        assert!(
            Registry::parse(&text)
                .unwrap_err()
                .to_string()
                .contains("16 languages")
        );

        let e = Registry::parse("[[language]]\ncode = 3\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(REGISTRY_FILE), "{e}");
    }
}
