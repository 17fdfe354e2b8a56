//! Choosing the dictionary for a language pair, and its train/test split.
//!
//! [`plan_pair`] decides, from the two ISO 639-1 codes alone, which files of the data layout
//! (`muse/…`, `panlex-bli/…`, `swahili/…`, as in the data mirror) give the pair and how the
//! split is cut; [`resolve_pair`] also loads it, through a caller-supplied file provider so
//! that this crate never downloads anything itself. Sources, in order of preference:
//!
//! | pair | source ([`DictSource`]) | `Train` | `Test` | `Full` |
//! |---|---|---|---|---|
//! | en↔X, X a MUSE language | MUSE `muse/full/` | ranks 0..5000 | ranks 5000..6500 | whole file |
//! | among de es fr it pt | MUSE `muse/top10k/` | ranks 0..5000 | ranks 5000..6500 | the 10,000 kept words |
//! | sw→en | Wiktionary | `wiktionary_bli/sw-en.train` minus test source words | `sw-en.test` | `muse/full/sw-en.txt` |
//! | en→sw | Wiktionary `muse/full/en-sw.txt` | first ⌊0.8·n⌋ ranks | the remaining ranks | whole file |
//! | among id he fi hu, or one of them with ko th tr | PanLex-BLI | `train.5000` minus test source words | `test.2000` | train then test, merged |
//! | any other pair of known languages | English pivot | see below | | |
//!
//! Ranks are 0-based positions of distinct source words in file order (MUSE's frequency
//! order). MUSE's train and test ranges are disjoint by construction; the PanLex and
//! wiktionary_bli train files share source words with their test files upstream, so those
//! are removed from train to keep every `Train` disjoint from its `Test`.
//!
//! **en→sw split.** `en-sw.txt` has only 5,203 English source words and no published split,
//! so MUSE's ranges do not apply. `Train` is the first ⌊0.8·n⌋ source words in rank order
//! (4,162), `Test` the other n − ⌊0.8·n⌋ (1,041): disjoint, deterministic, and like MUSE the
//! test words are the less frequent ones.
//!
//! **English pivot X→Y.** The X→en dictionary is split by its own rule above (so the test
//! source words of X→Y are X→en test words), then joined with the *full* en→Y dictionary on
//! the English word ([`Dictionary::pivot`]), which keeps X's rank order. X words whose English
//! translations are all missing from en→Y drop out, so pivot splits are smaller than 5000/1500.
//! For Swahili either leg is the Wiktionary list, and [`DictSource`] says so.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::dictionary::Dictionary;
use crate::error::DictError;
use crate::parse::{Format, ParseMode};

/// Error type of a file provider.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Maps a path of the data layout (`"muse/full/en-de.txt"`) to a readable local file.
pub type FileProvider<'a> = dyn Fn(&str) -> Result<PathBuf, BoxError> + 'a;

/// Which part of a pair's dictionary to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Test,
    Full,
}

/// Where one leg of an English pivot comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leg {
    Muse,
    Wiktionary,
}

/// Where a pair's dictionary comes from; its `Display` is meant for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DictSource {
    /// A complete MUSE dictionary (`muse/full/`).
    Muse,
    /// A MUSE dictionary cut to its first 10,000 source words (`muse/top10k/`).
    MuseTop10k,
    /// PanLex-BLI silver lexicons.
    PanLex,
    /// The English Wiktionary en–sw list of wiktionary_bli (not MUSE).
    Wiktionary,
    /// X→en joined with en→Y on the English word.
    EnglishPivot { to_english: Leg, from_english: Leg },
}

impl fmt::Display for Leg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Leg::Muse => "MUSE",
            Leg::Wiktionary => "Wiktionary",
        })
    }
}

impl fmt::Display for DictSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DictSource::Muse => f.write_str("MUSE"),
            DictSource::MuseTop10k => f.write_str("MUSE (first 10k source words)"),
            DictSource::PanLex => f.write_str("PanLex-BLI"),
            DictSource::Wiktionary => f.write_str("Wiktionary"),
            DictSource::EnglishPivot {
                to_english,
                from_english,
            } => write!(
                f,
                "English pivot ({to_english} to en, {from_english} from en)"
            ),
        }
    }
}

impl DictSource {
    /// Whether any MUSE data goes into this dictionary.
    pub fn uses_muse(&self) -> bool {
        match self {
            DictSource::Muse | DictSource::MuseTop10k => true,
            DictSource::PanLex | DictSource::Wiktionary => false,
            DictSource::EnglishPivot {
                to_english,
                from_english,
            } => *to_english == Leg::Muse || *from_english == Leg::Muse,
        }
    }

    fn as_leg(self) -> Leg {
        if self == DictSource::Wiktionary {
            Leg::Wiktionary
        } else {
            Leg::Muse
        }
    }
}

/// Languages with complete MUSE dictionaries to and from English in the data layout.
pub const MUSE_LANGUAGES: [&str; 18] = [
    "zh", "ja", "ar", "he", "id", "tl", "fi", "hu", "de", "fr", "it", "pt", "es", "ru", "ko", "vi",
    "th", "tr",
];
/// Languages whose mutual MUSE dictionaries are kept cut to 10,000 source words.
pub const TOP10K_LANGUAGES: [&str; 5] = ["de", "es", "fr", "it", "pt"];
/// PanLex-BLI has every ordered pair among these…
pub const PANLEX_CORE: [&str; 4] = ["id", "he", "fi", "hu"];
/// …and each of them with each of these, both directions.
pub const PANLEX_EXTRA: [&str; 3] = ["ko", "th", "tr"];

/// MUSE's official training range of source ranks.
pub const MUSE_TRAIN: std::ops::Range<usize> = 0..5000;
/// MUSE's official test range of source ranks.
pub const MUSE_TEST: std::ops::Range<usize> = 5000..6500;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    /// `MUSE_TRAIN` / `MUSE_TEST`.
    MuseRanks,
    /// First ⌊0.8·n⌋ ranks / the rest.
    Fraction80,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Recipe {
    File {
        rel: String,
        format: Format,
        rule: Rule,
    },
    TrainTest {
        train: String,
        test: String,
        full: Option<String>,
        format: Format,
    },
    Pivot {
        first: Box<Recipe>,
        second: Box<Recipe>,
    },
}

/// The decision for one pair and split, before anything is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairPlan {
    pub src: String,
    pub tgt: String,
    pub split: Split,
    pub source: DictSource,
    recipe: Recipe,
}

fn known(code: &str) -> bool {
    code == "en" || code == "sw" || MUSE_LANGUAGES.contains(&code)
}

fn panlex_pair(a: &str, b: &str) -> bool {
    let core = |x: &str| PANLEX_CORE.contains(&x);
    let extra = |x: &str| PANLEX_EXTRA.contains(&x);
    (core(a) && core(b)) || (core(a) && extra(b)) || (extra(a) && core(b))
}

/// Decide where the `src`→`tgt` dictionary comes from (ISO 639-1 codes, any case).
pub fn plan_pair(src: &str, tgt: &str, split: Split) -> Result<PairPlan, DictError> {
    let (src, tgt) = (src.to_ascii_lowercase(), tgt.to_ascii_lowercase());
    let unsupported = |reason: String| DictError::UnsupportedPair {
        src: src.clone(),
        tgt: tgt.clone(),
        reason,
    };
    for code in [&src, &tgt] {
        if !known(code) {
            let mut all: Vec<&str> = MUSE_LANGUAGES.to_vec();
            all.extend(["en", "sw"]);
            all.sort_unstable();
            return Err(unsupported(format!(
                "unknown language code `{code}`; known: {}",
                all.join(" ")
            )));
        }
    }
    if src == tgt {
        return Err(unsupported(
            "source and target are the same language".to_owned(),
        ));
    }
    let (source, recipe) = match (src.as_str(), tgt.as_str()) {
        ("sw", "en") => (
            DictSource::Wiktionary,
            Recipe::TrainTest {
                train: "swahili/wiktionary_bli/sw-en.train.txt".to_owned(),
                test: "swahili/wiktionary_bli/sw-en.test.txt".to_owned(),
                full: Some("muse/full/sw-en.txt".to_owned()),
                format: Format::Muse,
            },
        ),
        ("en", "sw") => (
            DictSource::Wiktionary,
            Recipe::File {
                rel: "muse/full/en-sw.txt".to_owned(),
                format: Format::Muse,
                rule: Rule::Fraction80,
            },
        ),
        ("en", _) | (_, "en") => (
            DictSource::Muse,
            Recipe::File {
                rel: format!("muse/full/{src}-{tgt}.txt"),
                format: Format::Muse,
                rule: Rule::MuseRanks,
            },
        ),
        (a, b) if TOP10K_LANGUAGES.contains(&a) && TOP10K_LANGUAGES.contains(&b) => (
            DictSource::MuseTop10k,
            Recipe::File {
                rel: format!("muse/top10k/{a}-{b}.txt"),
                format: Format::Muse,
                rule: Rule::MuseRanks,
            },
        ),
        (a, b) if panlex_pair(a, b) => (
            DictSource::PanLex,
            Recipe::TrainTest {
                train: format!("panlex-bli/{a}-{b}/{a}-{b}.train.5000.cc.trans"),
                test: format!("panlex-bli/{a}-{b}/{a}-{b}.test.2000.cc.trans"),
                full: None,
                format: Format::Tsv,
            },
        ),
        (a, b) => {
            let first = plan_pair(a, "en", split)?;
            let second = plan_pair("en", b, Split::Full)?;
            (
                DictSource::EnglishPivot {
                    to_english: first.source.as_leg(),
                    from_english: second.source.as_leg(),
                },
                Recipe::Pivot {
                    first: Box::new(first.recipe),
                    second: Box::new(second.recipe),
                },
            )
        }
    };
    Ok(PairPlan {
        src,
        tgt,
        split,
        source,
        recipe,
    })
}

impl PairPlan {
    /// The data-layout paths this plan reads, in reading order.
    pub fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        collect_files(&self.recipe, self.split, &mut out);
        out
    }

    /// A one-line account of how the dictionary is built, for reports.
    pub fn describe(&self) -> String {
        format!(
            "{}->{} {:?} from {}: {}",
            self.src,
            self.tgt,
            self.split,
            self.source,
            describe(&self.recipe, self.split)
        )
    }

    /// Read the files through `files` and build the dictionary (strict parsing).
    pub fn load(&self, files: &FileProvider<'_>) -> Result<Dictionary, DictError> {
        load(&self.recipe, self.split, files)
    }
}

/// Plan and load the `src`→`tgt` dictionary; see the module docs for the rules.
///
/// `files` maps a path of the data layout to a local file: a `fetch::DataStore`, or
/// [`dir_files`] over a local copy.
///
/// ```no_run
/// use muse_dict::{Split, resolve_pair};
///
/// let store = fetch::DataStore::from_env()?;
/// let files = |rel: &str| store.file(rel).map_err(Into::into);
/// let (test, source) = resolve_pair("en", "sw", Split::Test, &files)?;
/// println!("{} English words, from {source}", test.len()); // "... from Wiktionary"
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn resolve_pair(
    src: &str,
    tgt: &str,
    split: Split,
    files: &FileProvider<'_>,
) -> Result<(Dictionary, DictSource), DictError> {
    let plan = plan_pair(src, tgt, split)?;
    Ok((plan.load(files)?, plan.source))
}

/// A file provider over a local copy of the data layout rooted at `root`
/// (e.g. the mirror); a missing file is an error naming its full path.
pub fn dir_files(root: &Path) -> impl Fn(&str) -> Result<PathBuf, BoxError> + '_ {
    move |rel: &str| {
        let path = root.join(rel);
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{} does not exist or is not a file", path.display()).into())
        }
    }
}

fn collect_files(recipe: &Recipe, split: Split, out: &mut Vec<String>) {
    match recipe {
        Recipe::File { rel, .. } => out.push(rel.clone()),
        Recipe::TrainTest {
            train, test, full, ..
        } => match (split, full) {
            (Split::Train, _) => out.extend([train.clone(), test.clone()]),
            (Split::Test, _) => out.push(test.clone()),
            (Split::Full, Some(full)) => out.push(full.clone()),
            (Split::Full, None) => out.extend([train.clone(), test.clone()]),
        },
        Recipe::Pivot { first, second } => {
            collect_files(first, split, out);
            collect_files(second, Split::Full, out);
        }
    }
}

fn describe(recipe: &Recipe, split: Split) -> String {
    match recipe {
        Recipe::File { rel, rule, .. } => match (split, rule) {
            (Split::Full, _) => rel.clone(),
            (Split::Train, Rule::MuseRanks) => {
                format!("{rel} ranks {}..{}", MUSE_TRAIN.start, MUSE_TRAIN.end)
            }
            (Split::Test, Rule::MuseRanks) => {
                format!("{rel} ranks {}..{}", MUSE_TEST.start, MUSE_TEST.end)
            }
            (Split::Train, Rule::Fraction80) => format!("{rel} first 80% of ranks"),
            (Split::Test, Rule::Fraction80) => format!("{rel} last 20% of ranks"),
        },
        Recipe::TrainTest {
            train, test, full, ..
        } => match (split, full) {
            (Split::Train, _) => format!("{train} minus source words of {test}"),
            (Split::Test, _) => test.clone(),
            (Split::Full, Some(full)) => full.clone(),
            (Split::Full, None) => format!("{train} + {test}"),
        },
        Recipe::Pivot { first, second } => {
            format!(
                "({}) joined on English with ({})",
                describe(first, split),
                describe(second, Split::Full)
            )
        }
    }
}

fn read(rel: &str, format: Format, files: &FileProvider<'_>) -> Result<Dictionary, DictError> {
    let path = files(rel).map_err(|source| DictError::File {
        rel: rel.to_owned(),
        source,
    })?;
    Dictionary::from_path(&path, format, ParseMode::Strict)
}

fn load(recipe: &Recipe, split: Split, files: &FileProvider<'_>) -> Result<Dictionary, DictError> {
    match recipe {
        Recipe::File { rel, format, rule } => {
            let d = read(rel, *format, files)?;
            let cut = d.len() * 4 / 5;
            Ok(match (split, rule) {
                (Split::Full, _) => d,
                (Split::Train, Rule::MuseRanks) => d.rank_range(MUSE_TRAIN),
                (Split::Test, Rule::MuseRanks) => d.rank_range(MUSE_TEST),
                (Split::Train, Rule::Fraction80) => d.rank_range(0..cut),
                (Split::Test, Rule::Fraction80) => d.rank_range(cut..d.len()),
            })
        }
        Recipe::TrainTest {
            train,
            test,
            full,
            format,
        } => match (split, full) {
            (Split::Train, _) => {
                let train = read(train, *format, files)?;
                let test = read(test, *format, files)?;
                Ok(train.without_sources_of(&test))
            }
            (Split::Test, _) => read(test, *format, files),
            (Split::Full, Some(full)) => read(full, *format, files),
            (Split::Full, None) => {
                let train = read(train, *format, files)?;
                let test = read(test, *format, files)?;
                Ok(Dictionary::from_entries(
                    train.entries().iter().chain(test.entries()).cloned(),
                ))
            }
        },
        Recipe::Pivot { first, second } => {
            let x_en = load(first, split, files)?;
            let en_y = load(second, Split::Full, files)?;
            Ok(Dictionary::pivot(&x_en, &en_y))
        }
    }
}
