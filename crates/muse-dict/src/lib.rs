//! Bilingual word lists for BridgeX-ICL: MUSE dictionaries, PanLex-BLI lexicons and the
//! Wiktionary English–Swahili list.
//!
//! * [`Dictionary`] reads a word list ([`Format::Muse`]: `source target` split on spaces or
//!   tabs; [`Format::Tsv`]: PanLex's `source<TAB>target`), keeps the source words in rank
//!   order (first appearance) with all their distinct targets, and offers the operations the
//!   experiments need: MUSE rank ranges ([`Dictionary::rank_range`]), English pivoting
//!   ([`Dictionary::pivot`]), filters ([`Dictionary::without_identical`],
//!   [`Dictionary::words_only`], [`Dictionary::without_sources_of`]), seeded sampling
//!   ([`Dictionary::sample`]) and [`Dictionary::lookup`].
//! * [`plan_pair`] / [`resolve_pair`] decide which dataset serves a language pair and how
//!   its train/test split is cut, and report it as a [`DictSource`] ("MUSE", "PanLex-BLI",
//!   "Wiktionary", "English pivot (…)"), so Swahili results are never labelled MUSE.
//!
//! ```rust
//! use std::path::Path;
//! use muse_dict::{Dictionary, Format, ParseMode};
//!
//! let de_en = Dictionary::parse("haus house\nhaus home\nwasser water\n", Path::new("de-en"),
//!                               Format::Muse, ParseMode::Strict)?;
//! let en_fr = Dictionary::parse("water eau\nhouse maison\nhome maison\nhome foyer\n",
//!                               Path::new("en-fr"), Format::Muse, ParseMode::Strict)?;
//! let de_fr = Dictionary::pivot(&de_en, &en_fr);
//! assert_eq!(de_fr.lookup("haus"), Some(&["maison".to_string(), "foyer".to_string()][..]));
//! assert_eq!(de_fr.entries()[1].source, "wasser");          // rank order of the German side
//! assert_eq!(de_fr.rank_range(1..5000).len(), 1);            // ranges are clipped
//! # Ok::<(), muse_dict::DictError>(())
//! ```

mod builder;
mod dictionary;
mod entry;
mod error;
mod filter;
mod index;
mod pair;
mod parse;

pub use dictionary::Dictionary;
pub use entry::Entry;
pub use error::DictError;
pub use filter::is_word;
pub use pair::{
    BoxError, DictSource, FileProvider, Leg, MUSE_LANGUAGES, MUSE_TEST, MUSE_TRAIN, PANLEX_CORE,
    PANLEX_EXTRA, PairPlan, Split, TOP10K_LANGUAGES, dir_files, plan_pair, resolve_pair,
};
pub use parse::{Format, ParseMode, ParseStats};
